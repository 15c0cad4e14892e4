# `natter --help`: what the server is and each of its settings. Flags, URLs, paths and
# values stay as typed.

server-cli-about = Natter: a real-time chat server
server-cli-addr = Address to listen on.
server-cli-data-dir = Directory of the embedded SQLite database (created if missing), and of what a node keeps for itself: the search index and the files of an SQLite node, the session key when no secret is given.
server-cli-database-url = Where messages, rooms and people are kept: postgres://user@host:5432/db (several nodes may share it; see docs/scaling.md) or sqlite://PATH (a database file). Without it: natter.db in the data directory.
server-cli-redis-url = Redis (redis://host:6379) for the bus between nodes: each node publishes its room events, typing and presence there and delivers the others'. Needed by every node of a cluster; a single node needs none.
server-cli-site-root = Directory of the built site (the pkg/ folder with WASM, JS and CSS).
server-cli-secret = Secret that signs session cookies (at least 32 bytes). Every node of a cluster needs the same one. Without it, a random key is created once and kept in the data directory.
server-cli-secret-file = A file holding the secret (instead of --secret), e.g. one mounted on every node.
server-cli-secure-cookies = Mark session cookies Secure (set when the site is served over HTTPS).
server-cli-allowed-origins = Origins (scheme://host[:port], comma-separated) besides the server's own from which browsers may open the live connection and post forms (e.g. when a proxy serves the site under another name).
server-cli-max-messages-per-second = Messages one connection may send a second (bursts of six times that); beyond it the client is told to slow down. Benchmarks of raw capacity raise it.
server-cli-max-connections = Live connections served at once; beyond it a new one is refused (503, Retry-After) instead of degrading everyone's.
server-cli-keepalive-secs = Seconds between pings on a live connection the client has been silent on. One that answers nothing (no pong, no frame) for two of them, or takes no bytes for as long, is dropped: a vanished laptop or phone leaves the presence list and frees its slot.
server-cli-max-file-bytes = Largest file one may upload, in bytes.
server-cli-max-person-file-bytes = Bytes of files one person may keep (their uploads, until the messages are deleted).
server-cli-max-file-storage-bytes = Bytes of files the server keeps in all; beyond it uploads are refused as "server full".
server-cli-uploads-per-minute = Uploads one person may make a minute.
server-cli-file-store = Where files are kept: file:///dir, or an S3-compatible bucket s3://bucket?endpoint=https://…&region=… (credentials from the AWS environment variables). Without it: files/ in the data directory.
server-cli-log-format = Log format.
