"""Chapter 7, serving and deploying: the HTTP app tier (auth, limits, SSE, metrics), the batching
class server and load tests. This floor sits above every chapter's package, since the app
composes them (retrieval, guards, agents)."""
