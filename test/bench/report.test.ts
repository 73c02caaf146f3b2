import { budgetTable, table } from '../../bench/report';

describe('report', () => {
  test('columns line up under an underlined header', () => {
    expect(
      table([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]).split('\n'),
    ).toEqual(['a    bb', '---  --', 'ccc  d']);
  });

  test('each budget shows its measure, its limit and whether it holds', () => {
    const text = budgetTable([
      { subject: 'webcom', budget: 'bundle', measured: 420_000, limit: 378_200, unit: 'B', holds: false },
      { subject: 'e2e', budget: 'lost', measured: 0, limit: 0, unit: 'count', holds: true },
    ]);
    expect(text).toContain('webcom   bundle ≤ baseline + 60 kB + parser  420.0 kB  378.2 kB  NO');
    expect(text).toMatch(/e2e\s+lost = 0\s+0\s+0\s+yes/);
  });
});
