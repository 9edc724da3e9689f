/** Every read model a service shows over HTTP, as the text it sent: for byte-for-byte comparisons. */
export interface ReadModelSnapshot {
  /** Customer id -> GET /v1/customers/:id body. */
  readonly documents: Map<string, string>;
  /** GET /v1/stats/transitions over all time. */
  readonly transitions: string;
  /** The whole outbox feed, page by page. */
  readonly feed: string;
}

export async function allDocuments(url: string): Promise<Map<string, string>> {
  const documents = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = (await (
      await fetch(
        `${url}/v1/customers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
    ).json()) as { customers: { customerId: string }[]; nextCursor?: string };
    for (const { customerId } of page.customers) {
      documents.set(customerId, await (await fetch(`${url}/v1/customers/${customerId}`)).text());
    }
    cursor = page.nextCursor;
  } while (cursor);
  return documents;
}

export const transitionsText = async (url: string): Promise<string> =>
  (
    await fetch(`${url}/v1/stats/transitions?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`)
  ).text();

export async function feedText(url: string): Promise<string> {
  const pages: string[] = [];
  let cursor = '';
  for (;;) {
    const text = await (
      await fetch(`${url}/v1/feed?limit=1000${cursor ? `&after=${cursor}` : ''}`)
    ).text();
    const page = JSON.parse(text) as { messages: unknown[]; nextCursor: string };
    if (page.messages.length === 0) return pages.join('\n');
    pages.push(text);
    cursor = page.nextCursor;
  }
}

export async function readModelSnapshot(url: string): Promise<ReadModelSnapshot> {
  return {
    documents: await allDocuments(url),
    transitions: await transitionsText(url),
    feed: await feedText(url),
  };
}
