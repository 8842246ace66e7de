// A Prometheus-like scraper run as its own process by the scrape-storm test (so its work
// does not load the agent's event loop being measured): `rounds` times, `concurrency`
// simultaneous GETs of a URL on fresh connections, asking for gzip as Prometheus does
// (ENCODING=identity: not), bodies counted (as received) and discarded. Prints
// one JSON line: { ok, failed, bytes }.
import { get } from 'node:http';

const [url, concurrencyText, roundsText] = process.argv.slice(2);
if (!url) throw new Error('usage: scrape-client URL CONCURRENCY ROUNDS');
const concurrency = Number(concurrencyText ?? '200');
const rounds = Number(roundsText ?? '1');

function scrape(): Promise<number> {
  return new Promise((resolve, reject) => {
    const encoding = process.env['ENCODING'] ?? 'gzip';
    const req = get(url!, { agent: false, headers: { 'accept-encoding': encoding } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

let ok = 0;
let failed = 0;
let bytes = 0;
for (let r = 0; r < rounds; r++) {
  const results = await Promise.allSettled(Array.from({ length: concurrency }, () => scrape()));
  for (const res of results) {
    if (res.status === 'fulfilled') {
      ok += 1;
      bytes += res.value;
    } else {
      failed += 1;
    }
  }
}
console.log(JSON.stringify({ ok, failed, bytes }));
