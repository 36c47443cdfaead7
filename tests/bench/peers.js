// peers.js - score corpora with the npm peers, one core, and print
// documents/s per peer and file as JSON lines (run by bench_score.sh).
//   node peers.js FILE.tsv...
'use strict';
const fs = require('fs');

const peers = {};
try {
  const vader = require('vader-sentiment');
  peers['vader-sentiment'] = (t) => vader.SentimentIntensityAnalyzer.polarity_scores(t).compound;
} catch (e) { console.error('vader-sentiment missing: ' + e.message); process.exitCode = 1; }
try {
  const wink = require('wink-sentiment');
  peers['wink-sentiment'] = (t) => wink(t).normalizedScore;
} catch (e) { console.error('wink-sentiment missing: ' + e.message); process.exitCode = 1; }
try {
  const Sentiment = require('sentiment');
  const s = new Sentiment();
  peers['sentiment'] = (t) => s.analyze(t).comparative;
} catch (e) { console.error('sentiment missing: ' + e.message); process.exitCode = 1; }

const minSeconds = Number(process.env.BENCH_MIN_SECONDS || 2);
for (const file of process.argv.slice(2)) {
  const docs = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('\t'))
    .map((l) => l.slice(l.indexOf('\t') + 1));
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
  for (const [name, fn] of Object.entries(peers)) {
    // warm up, then repeat whole passes until minSeconds; report the median pass
    for (let i = 0; i < Math.min(docs.length, 200); i++) fn(docs[i]);
    const passes = [];
    const t0 = process.hrtime.bigint();
    let sink = 0;
    do {
      const p0 = process.hrtime.bigint();
      for (const d of docs) sink += fn(d) || 0;
      passes.push(Number(process.hrtime.bigint() - p0) / 1e9);
    } while (Number(process.hrtime.bigint() - t0) / 1e9 < minSeconds && passes.length < 50);
    passes.sort((a, b) => a - b);
    const med = passes[Math.floor(passes.length / 2)];
    console.log(JSON.stringify({ peer: name, file, documents: docs.length, passes: passes.length,
      docs_per_sec: docs.length / med, mb_per_sec: bytes / 1e6 / med, sink: sink !== 0 }));
  }
}
