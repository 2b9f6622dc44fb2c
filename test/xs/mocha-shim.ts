// describe/it for the XS engine: collects the core tests, runs them, reports each result.
type Body = () => void | Promise<void>;
interface Case {
  readonly title: string;
  readonly body: Body;
}

const cases: Case[] = [];
const path: string[] = [];

const g = globalThis as Record<string, unknown>;
g.describe = (title: string, body: () => void) => {
  path.push(title);
  body();
  path.pop();
};
g.it = (title: string, body: Body) => {
  cases.push({ title: [...path, title].join(' > '), body });
};

export interface CaseResult {
  readonly title: string;
  readonly ok: boolean;
  readonly error: string;
}

export async function runCases(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    try {
      await testCase.body();
      results.push({ title: testCase.title, ok: true, error: '' });
    } catch (error) {
      results.push({
        title: testCase.title,
        ok: false,
        error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error),
      });
    }
  }
  return results;
}
