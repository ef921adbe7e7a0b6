-- 004's data step moved every span into chunks and every summary into trace_rows; 0.1's tables go.
DROP TABLE spans;
DROP TABLE resources;
DROP TABLE scopes;
DROP TABLE traces;
DROP TABLE trace_services;
