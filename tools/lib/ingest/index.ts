/** The ingest: CoAP uplinks → registry (SQLite) → MQTT / JSONL. */
export { startIngest, type Ingest, type IngestOptions, type IngestStats } from './ingest.ts';
export { parseListen, type ServerStats } from './server.ts';
export { readingJson, topicFor, type ReadingJson } from './outputs.ts';
