import { getNamedType, isObjectType, TypeInfo, visit, visitWithTypeInfo, type GraphQLError } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';
import { checkPageArgs } from './pagination.ts';

/**
 * Checks `first`/`last` on every connection field of an operation before it runs, as
 * literals or variables, so a capped page is refused the same way wherever it is nested
 * and whether or not the field's own resolver would have run.
 */
export function usePageSizeLimit(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const typeInfo = new TypeInfo(args.schema);
      let failure: GraphQLError | null = null;
      visit(
        args.document,
        visitWithTypeInfo(typeInfo, {
          Field(node) {
            if (failure) return;
            const field = typeInfo.getFieldDef();
            const parent = typeInfo.getParentType();
            if (!field || !parent || !isObjectType(getNamedType(field.type))) return;
            if (!field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) return;
            try {
              const values = getArgumentValues(field, node, (args.variableValues ?? {}) as Record<string, unknown>);
              checkPageArgs(values as { first?: number; last?: number });
            } catch (error) {
              failure = error as GraphQLError;
            }
          },
        }),
      );
      if (failure) setResultAndStopExecution({ errors: [failure] });
    },
  };
}
