// Reads the classic IR test collections in ../shared/datasets/ir (SMART and TREC formats) and computes
// the evaluation measures. Shared by the evaluation (ir-eval.mjs) and the parameter study (tune.mjs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const COLLECTIONS = ['adi', 'cisi', 'med', 'npl'];

/** SMART files: records start with `.I n`; fields `.T` (title), `.W` (text), `.A`, `.B`, `.X`… */
function parseSmart(text) {
  const records = [];
  let current = null;
  let field = null;
  for (const line of text.split(/\r?\n/)) {
    const start = /^\.I\s+(\d+)/.exec(line);
    if (start) {
      current = { id: start[1], fields: {} };
      records.push(current);
      field = null;
      continue;
    }
    const marker = /^\.([A-Z])\s*$/.exec(line);
    if (marker && current) {
      field = marker[1];
      current.fields[field] ??= '';
      continue;
    }
    if (current && field) current.fields[field] += `${line}\n`;
  }
  return records;
}

function parseTrecDocuments(text) {
  const documents = [];
  for (const match of text.matchAll(/<DOC>\s*<DOCNO>\s*(\S+?)\s*<\/DOCNO>([\s\S]*?)<\/DOC>/g))
    documents.push({ id: match[1], title: '', text: match[2].trim() });
  return documents;
}

function parseTrecTopics(text) {
  const topics = [];
  for (const match of text.matchAll(/<top>[\s\S]*?<num>\s*(\S+?)\s*<\/num>[\s\S]*?<title>([\s\S]*?)<\/title>[\s\S]*?<\/top>/g))
    topics.push({ id: match[1], text: match[2] });
  return topics;
}

/** qrels as Map<queryId, Set<docId>>; `docColumn` is where the document id sits on a line. */
function parseQrels(text, queryColumn, docColumn) {
  const qrels = new Map();
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length <= docColumn) continue;
    const query = String(Number(parts[queryColumn]));
    if (!qrels.has(query)) qrels.set(query, new Set());
    qrels.get(query).add(String(Number(parts[docColumn])));
  }
  return qrels;
}

const oneLine = (text) => text.replace(/\s+/g, ' ').trim();

/** { name, documents: [{id, title, text}], queries: [{id, text}] (judged only), qrels } */
export function loadCollection(datasets, name) {
  const folder = path.join(datasets, 'ir', name);
  const read = (file) => readFileSync(path.join(folder, file), 'latin1');
  let documents, queries, qrels;
  if (name === 'npl') {
    documents = parseTrecDocuments(read('doc-text.trec'));
    queries = parseTrecTopics(read('query-text.trec')).map((topic) => ({ id: String(Number(topic.id)), text: oneLine(topic.text) }));
    qrels = parseQrels(read('qrels'), 0, 2);
  } else {
    const upper = name.toUpperCase();
    documents = parseSmart(read(`${upper}.ALL`)).map((record) => ({
      id: record.id,
      title: (record.fields.T ?? '').trim(),
      text: (record.fields.W ?? '').trim(),
    }));
    queries = parseSmart(read(`${upper}.QRY`)).map((record) => ({ id: String(Number(record.id)), text: oneLine(record.fields.W ?? '') }));
    qrels = name === 'med' ? parseQrels(read(`${upper}.REL`), 0, 2) : parseQrels(read(`${upper}.REL`), 0, 1);
  }
  // SMART query ids are sequential record numbers; the .REL files use the same numbering.
  queries = queries.filter((query) => qrels.has(query.id) && qrels.get(query.id).size > 0);
  return { name, documents, queries, qrels };
}

/** Writes one UTF-8 file per document, `<docid>.txt`, title then text, and the queries as TSV. */
export function writeCollectionFiles(collection, folder) {
  const documentsFolder = path.join(folder, 'documents');
  mkdirSync(documentsFolder, { recursive: true });
  for (const document of collection.documents) {
    const body = document.title ? `${document.title}\n\n${document.text}\n` : `${document.text}\n`;
    writeFileSync(path.join(documentsFolder, `${document.id}.txt`), body, 'utf8');
  }
  const queriesFile = path.join(folder, 'queries.tsv');
  writeFileSync(queriesFile, collection.queries.map((query) => `${query.id}\t${query.text}\n`).join(''), 'utf8');
  return { documentsFolder, queriesFile };
}

/** MAP, P@10 and nDCG@10 (binary gains) over the judged queries; rankings are docid lists. */
export function evaluate(rankings, qrels, queries) {
  let sumAp = 0;
  let sumP10 = 0;
  let sumNdcg = 0;
  for (const query of queries) {
    const relevant = qrels.get(query.id);
    const ranking = (rankings.get(query.id) ?? []).slice(0, 1000);
    let hits = 0;
    let precisionSum = 0;
    let dcg = 0;
    ranking.forEach((docId, index) => {
      if (!relevant.has(docId)) return;
      hits++;
      precisionSum += hits / (index + 1);
      if (index < 10) dcg += 1 / Math.log2(index + 2);
    });
    let idealDcg = 0;
    for (let index = 0; index < Math.min(10, relevant.size); index++) idealDcg += 1 / Math.log2(index + 2);
    sumAp += precisionSum / relevant.size;
    sumP10 += ranking.slice(0, 10).filter((docId) => relevant.has(docId)).length / 10;
    sumNdcg += dcg / idealDcg;
  }
  const count = queries.length;
  return { map: sumAp / count, p10: sumP10 / count, ndcg10: sumNdcg / count, queries: count };
}

export function datasetsFolder(root) {
  const folder = path.resolve(root, '..', 'shared', 'datasets');
  return existsSync(path.join(folder, 'ir')) ? folder : null;
}
