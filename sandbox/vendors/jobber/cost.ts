import {
  getNamedType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { chargedPageSize } from './connection.js';

/**
 * Jobber's query cost (vendor-facts §1.4): every field costs 1; `edges`, `nodes` and `node` cost 0; what a
 * connection holds is charged `first` (or `last`, else the page maximum) times. Our reading of the formula: the
 * connection field itself costs 0 (the docs' `quotes(first:10){edges{node{5 fields}}}` = 50), and `pageInfo` and
 * `totalCount` are charged once, not per node.
 */
const FREE = new Set(['edges', 'nodes', 'node']);

interface Walk {
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  maxPageSize: number;
}

function fieldsOf(selectionSet: SelectionSetNode | undefined, walk: Walk): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf(selection.selectionSet, walk));
    else fields.push(...fieldsOf(walk.fragments.get(selection.name.value)?.selectionSet, walk));
  }
  return fields;
}

function intArgument(field: FieldNode, name: string, walk: Walk): number | undefined {
  const value: ValueNode | undefined = field.arguments?.find((arg) => arg.name.value === name)?.value;
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const variable = walk.variables[value.name.value];
    return typeof variable === 'number' ? variable : undefined;
  }
  return undefined;
}

const isConnection = (type: GraphQLObjectType) => type.name.endsWith('Connection');

function childType(parent: GraphQLObjectType, field: FieldNode): GraphQLObjectType | undefined {
  const definition = parent.getFields()[field.name.value];
  if (!definition) return undefined;
  const named = getNamedType(definition.type);
  return isObjectType(named) ? named : undefined;
}

/** The cost charged before running: per-node costs times the requested page sizes. */
function requested(selectionSet: SelectionSetNode | undefined, type: GraphQLObjectType, walk: Walk, page = 1): number {
  let total = 0;
  for (const field of fieldsOf(selectionSet, walk)) {
    if (field.name.value.startsWith('__')) continue;
    const child = childType(type, field);
    let pageSize = 1;
    if (child && isConnection(child)) {
      const first = intArgument(field, 'first', walk);
      const last = intArgument(field, 'last', walk);
      pageSize = chargedPageSize({ first: first ?? null, last: last ?? null }, walk.maxPageSize);
    }
    const inner = child ? requested(field.selectionSet, child, walk, pageSize) : 0;
    const own = FREE.has(field.name.value) || (child && isConnection(child)) ? 0 : 1;
    // edges/nodes hold one entry per node of the enclosing connection.
    const perNode = isConnection(type) && (field.name.value === 'edges' || field.name.value === 'nodes');
    total += perNode ? page * (own + inner) : own + inner;
  }
  return total;
}

/** The cost actually taken after running: the same walk over the data, counting the nodes really returned. */
function actual(
  selectionSet: SelectionSetNode | undefined,
  type: GraphQLObjectType,
  data: unknown,
  walk: Walk,
): number {
  if (data === null || typeof data !== 'object') return 0;
  let total = 0;
  for (const field of fieldsOf(selectionSet, walk)) {
    if (field.name.value.startsWith('__')) continue;
    const value = (data as Record<string, unknown>)[field.alias?.value ?? field.name.value];
    if (value === undefined) continue;
    const child = childType(type, field);
    const own = FREE.has(field.name.value) || (child && isConnection(child)) ? 0 : 1;
    let inner = 0;
    if (child && Array.isArray(value)) {
      const perNode = isConnection(type) && (field.name.value === 'edges' || field.name.value === 'nodes');
      inner = perNode
        ? value.reduce((sum: number, item) => sum + actual(field.selectionSet, child, item, walk), 0)
        : requested(field.selectionSet, child, walk);
      total += perNode ? own * value.length + inner : own + inner;
      continue;
    }
    if (child) inner = actual(field.selectionSet, child, value, walk);
    total += own + inner;
  }
  return total;
}

export interface QueryCost {
  requested: number;
  actual(data: unknown): number;
}

export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  maxPageSize: number,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) {
      operation ??= definition;
    }
  }
  const root = operation?.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  const walk: Walk = { fragments, variables, maxPageSize };
  if (!operation || !root) return { requested: 0, actual: () => 0 };
  return {
    requested: requested(operation.selectionSet, root, walk),
    actual: (data) => actual(operation.selectionSet, root, data, walk),
  };
}
