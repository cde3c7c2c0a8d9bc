# Stand-in for the official node:20-bookworm-slim: node, npm and npx on PATH, /bin/sh, user node (uid 1000),
# no ENTRYPOINT that would swallow CMD ["node", ...].
FROM debian:bookworm-slim
COPY usr/ /usr/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_VERSION=20
CMD ["node"]
