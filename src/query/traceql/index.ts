/** TraceQL for Tempo's API (pure): the parser of the subset tracelite answers, and Tempo's search parameters. */
export { parseTraceql } from './parse.js';
export { goDuration, parseTempoSearch, positiveInt, tagsExpr, unixSeconds, TEMPO_DEFAULT_LIMIT, TEMPO_DEFAULT_SPSS, type RawTempoSearch } from './params.js';
