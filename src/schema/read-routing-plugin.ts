import { Kind, type DefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../db/client.ts';
import type { Context } from './context.ts';

/**
 * Sends query operations to the read replica (`Database.replica`, from
 * DATABASE_READ_URL): every resolver of a query — analytics, entity lists, nested
 * relations — reads `ctx.db` there. Mutations keep the primary for their writes and for
 * the reads that must see them.
 */
export function useReadRouting(replica: Database | undefined): Plugin<Context> {
  return {
    onExecute({ args, extendContext }) {
      if (!replica) return;
      const operation = args.document.definitions.find(
        (d: DefinitionNode): d is OperationDefinitionNode =>
          d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
      );
      if (operation?.operation === 'query') extendContext({ db: replica });
    },
  };
}
