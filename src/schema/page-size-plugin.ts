import { getNamedType, isObjectType, TypeInfo, visit, visitWithTypeInfo, type FieldNode, type GraphQLError, type GraphQLField } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';
import { checkPageArgs } from './pagination.ts';
import { documentMemo } from './document-memo.ts';

/** A field of a document that takes `first`/`last`, with its definition. */
interface PagedField {
  field: GraphQLField<unknown, unknown>;
  node: FieldNode;
}

/**
 * Checks `first`/`last` on every connection field of an operation before it runs, as
 * literals or variables, so a capped page is refused the same way wherever it is nested
 * and whether or not the field's own resolver would have run. Which fields take a page
 * size is found once per document; their values are checked on every request.
 */
export function usePageSizeLimit(): Plugin {
  const pagedFields = documentMemo<PagedField[]>(1);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const fields = pagedFields(args.schema, args.document, '', () => {
        const found: PagedField[] = [];
        const typeInfo = new TypeInfo(args.schema);
        visit(
          args.document,
          visitWithTypeInfo(typeInfo, {
            Field(node) {
              const field = typeInfo.getFieldDef();
              if (!field || !typeInfo.getParentType() || !isObjectType(getNamedType(field.type))) return;
              if (field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) found.push({ field, node });
            },
          }),
        );
        return found;
      });
      for (const { field, node } of fields) {
        try {
          const values = getArgumentValues(field, node, (args.variableValues ?? {}) as Record<string, unknown>);
          checkPageArgs(values as { first?: number; last?: number });
        } catch (error) {
          setResultAndStopExecution({ errors: [error as GraphQLError] });
          return;
        }
      }
    },
  };
}
