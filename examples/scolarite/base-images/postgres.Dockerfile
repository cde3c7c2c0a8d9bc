# Stand-in for the official postgres:15-bookworm: same PGDATA, port, POSTGRES_USER / POSTGRES_PASSWORD /
# POSTGRES_DB handling, /docker-entrypoint-initdb.d, `postgres` as the default command, and the same postgres user
# (uid and gid 999, created before the package would pick another): a pod running as 999 (runAsUser, as Kubernetes'
# restricted profile wants) must be that user, or initdb cannot look itself up.
FROM debian:bookworm-slim
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql \
 && chown postgres:postgres /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
