// The list pages' one table: a card with an optional toolbar (filters on the left, actions on the right), the
// rows under columns each page declares, and the loading, failed and empty states.
import type { ReactNode } from 'react';
import { cn } from './cn';
import { Card } from './card';
import { Empty, LoadError, Loading } from './status';
import { Table, TBody, TD, TH, THead, TR } from './table';

export interface Column<Row> {
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Classes of the column's cells. */
  className?: string;
  /** Classes of the column's header cell. */
  headerClassName?: string;
}

export function DataTable<Row>({
  label,
  columns,
  rows,
  rowKey,
  filters,
  actions,
  toolbarClassName,
  notice,
  loading,
  error,
  empty,
}: {
  /** The table's accessible name. */
  label?: string;
  columns: readonly (Column<Row> | false | null | undefined)[];
  /** Undefined while there is nothing loaded yet. */
  rows: readonly Row[] | undefined;
  rowKey: (row: Row) => string | number;
  filters?: ReactNode;
  actions?: ReactNode;
  toolbarClassName?: string;
  /** Shown above the table: a hint to choose something first, or an action's error. */
  notice?: ReactNode;
  loading?: boolean;
  error?: unknown;
  /** What to say when the loaded list has no rows. */
  empty: ReactNode;
}) {
  const shown = columns.filter((c): c is Column<Row> => Boolean(c));
  return (
    <Card>
      {filters || actions ? (
        <div className={cn('flex flex-wrap items-center justify-between gap-3 border-b border-border px-5 py-4', toolbarClassName)}>
          {filters}
          {actions}
        </div>
      ) : null}
      {notice}
      {rows?.length ? (
        <Table aria-label={label}>
          <THead>
            <tr>
              {shown.map((c) => (
                <TH key={c.key} className={c.headerClassName}>
                  {c.header}
                </TH>
              ))}
            </tr>
          </THead>
          <TBody>
            {rows.map((row) => (
              <TR key={rowKey(row)}>
                {shown.map((c) => (
                  <TD key={c.key} className={c.className}>
                    {c.cell(row)}
                  </TD>
                ))}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {loading ? <Loading /> : null}
      <LoadError error={error} />
      {rows && !rows.length ? <Empty>{empty}</Empty> : null}
    </Card>
  );
}
