import { defineConfig } from 'prisma/config';

/** Prisma CLI configuration: the schema and the SQL migrations applied by our migrator. */
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgresql://localhost:5432/test' },
});
