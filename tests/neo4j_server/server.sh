#!/usr/bin/env bash
# A real Neo4j 5.26 Community server for the tests and for developers, from Maven Central.
#
#   tests/neo4j_server/server.sh resolve   # jars into .neo4j/lib (pom.xml beside this script)
#   tests/neo4j_server/server.sh init      # only the home: conf and password (before an import)
#   tests/neo4j_server/server.sh start     # 127.0.0.1, Bolt only; waits until Bolt answers
#   tests/neo4j_server/server.sh stop      # SIGTERM to the server's PID, waits for it to end
#   tests/neo4j_server/server.sh env       # the NEO4J_* variables that point sanshe at it
#   tests/neo4j_server/bin/neo4j-admin ... # neo4j-admin on the same jars (NEO4J_HOME = a home)
#
# Settings (environment): NEO4J_BOLT_PORT (7687), NEO4J_SERVER_HOME (.neo4j/home-<port>),
# NEO4J_HEAP (512m), NEO4J_PAGECACHE (128m). The password is fixed (test-only server):
# user neo4j, password sanshe-test-pass. Everything lands in .neo4j/ (ignored by git: Neo4j
# Community is GPLv3 and its jars are never committed).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ROOT="$REPO/.neo4j"
LIB="$ROOT/lib"
PORT="${NEO4J_BOLT_PORT:-7687}"
HOME_DIR="${NEO4J_SERVER_HOME:-$ROOT/home-$PORT}"
PASSWORD="sanshe-test-pass"
PIDFILE="$HOME_DIR/run/neo4j.pid"
LOG="$HOME_DIR/logs/console.log"

# The JVM flags the Neo4j 5 tarball's neo4j.conf passes (server.jvm.additional) that Java 17 takes.
JVM_FLAGS=(-XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+UnlockExperimentalVMOptions
  -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC -Djdk.nio.maxCachedBufferSize=1024
  -Dio.netty.tryReflectionSetAccessible=true -Dlog4j2.disable.jmx=true
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED)

resolve() {
  if compgen -G "$LIB/neo4j-5.26.*.jar" >/dev/null && [ -f "$LIB/.resolved" ] \
     && [ "$LIB/.resolved" -nt "$HERE/pom.xml" ]; then
    return 0
  fi
  rm -rf "$LIB"
  mvn -q -B -f "$HERE/pom.xml" -Dmaven.repo.local="$ROOT/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB"
  touch "$LIB/.resolved"
}

admin() {  # neo4j-admin: AdminTool with NEO4J_HOME / NEO4J_CONF pointing at a home
  local home="${NEO4J_HOME:-$HOME_DIR}"
  NEO4J_HOME="$home" NEO4J_CONF="$home/conf" exec java -Xmx"${NEO4J_ADMIN_HEAP:-512m}" \
    "${JVM_FLAGS[@]}" -cp "$LIB/*" org.neo4j.cli.AdminTool "$@"
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

init() {  # a home with its neo4j.conf and the fixed password; `neo4j-admin` may act on it now
  mkdir -p "$HOME_DIR"/{conf,run,logs,data,plugins,import}
  cat > "$HOME_DIR/conf/neo4j.conf" <<CONF
server.default_listen_address=127.0.0.1
server.bolt.listen_address=127.0.0.1:$PORT
server.bolt.advertised_address=127.0.0.1:$PORT
server.http.enabled=false
server.https.enabled=false
server.memory.heap.initial_size=${NEO4J_HEAP:-512m}
server.memory.heap.max_size=${NEO4J_HEAP:-512m}
server.memory.pagecache.size=${NEO4J_PAGECACHE:-128m}
dbms.usage_report.enabled=false
dbms.memory.transaction.total.max=256m
CONF
  if [ ! -f "$HOME_DIR/data/dbms/auth.ini" ]; then
    NEO4J_HOME="$HOME_DIR" "$0" admin dbms set-initial-password "$PASSWORD" >>"$LOG" 2>&1
  fi
}

start() {
  resolve
  if running; then echo "Neo4j already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0; fi
  init
  # setsid: the server is its own process group, untouched by the caller's terminal signals
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" setsid java -Xms"${NEO4J_HEAP:-512m}" \
    -Xmx"${NEO4J_HEAP:-512m}" "${JVM_FLAGS[@]}" -cp "$LIB/*" org.neo4j.server.CommunityEntryPoint \
    --home-dir="$HOME_DIR" --config-dir="$HOME_DIR/conf" --console-mode >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  local waited=0
  until grep -q "Bolt enabled on" "$LOG" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
    if ! running; then
      echo "Neo4j did not start; the end of $LOG:" >&2; tail -n 40 "$LOG" >&2; exit 1
    fi
    if [ "$waited" -ge "${NEO4J_START_TIMEOUT:-180}" ]; then
      echo "Neo4j did not answer on 127.0.0.1:$PORT within ${waited}s; the end of $LOG:" >&2
      tail -n 40 "$LOG" >&2; stop; exit 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  echo "Neo4j $(version) answering on bolt://127.0.0.1:$PORT (pid $(cat "$PIDFILE"), home $HOME_DIR)"
}

version() { basename "$(compgen -G "$LIB/neo4j-5.26.*.jar" | head -n1)" .jar | sed 's/^neo4j-//'; }

stop() {
  if ! running; then rm -f "$PIDFILE"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then echo "Neo4j (pid $pid) ignored SIGTERM for 60 s; killing it" >&2; kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
  echo "Neo4j on 127.0.0.1:$PORT stopped"
}

env_vars() {
  echo "export NEO4J_URI=bolt://127.0.0.1:$PORT NEO4J_USER=neo4j NEO4J_PASSWORD=$PASSWORD NEO4J_DATABASE=neo4j"
}

case "${1:-}" in
  resolve) resolve ;;
  init) resolve; init ;;
  start) start ;;
  stop) stop ;;
  env) env_vars ;;
  admin) shift; admin "$@" ;;
  *) echo "usage: $0 resolve|init|start|stop|env|admin ARGS..." >&2; exit 2 ;;
esac
