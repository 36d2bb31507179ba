/** Comparison operators of vendor query languages (QuickBooks' SQL-ish queries, Airtable formulas). */
export type ComparisonOperator = '=' | '!=' | '<>' | '<' | '>' | '<=' | '>=';

/** Whether `order` (negative, 0 or positive, as from a compare function) satisfies `operator`. */
export function satisfiesComparison(operator: ComparisonOperator, order: number): boolean {
  switch (operator) {
    case '=':
      return order === 0;
    case '!=':
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}
