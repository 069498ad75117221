#!/usr/bin/env bash
# The Temporal time-skipping test server (a Java program on Maven Central) and a wrapper
# script for sdk-core to start. sdk-core gives the server 5 s to answer, so start-up is
# made fast with a class-data-sharing archive recorded once here.
TOOL_NAME=temporal-test-server
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir temporal-test-server "$TEMPORAL_TEST_SERVER_VERSION")
wrapper="$dest/temporal-test-server"
if is_installed "$dest"; then done_with "cached at $wrapper"; exit 0; fi

rm -rf "$dest" && mkdir -p "$dest/lib"
cat > "$dest/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.eksflow</groupId><artifactId>temporal-test-server-deps</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
      <version>$TEMPORAL_TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
mvn -B -q -Dstyle.color=never -f "$dest/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest/lib" 2>&1 | sed "s/\x1b\[[0-9;]*m//g" >&2
# A fixed, sorted class path: a CDS archive is only used with the class path it was recorded with.
(cd "$dest/lib" && ls -1 ./*.jar | sort | sed "s#^\./#$dest/lib/#" | paste -sd: -) > "$dest/classpath.txt"
log "resolved $(ls "$dest/lib" | wc -l) jars"

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
cat > "$wrapper" <<SH
#!/bin/sh
# exec, so the JVM is the process sdk-core starts and later kills: no orphaned JVM.
dir="\$(dirname "\$0")"
cds=""
[ -f "\$dir/app.jsa" ] && cds="-XX:SharedArchiveFile=\$dir/app.jsa -Xshare:auto"
exec $java_bin \$cds -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData \\
  -cp "\$(cat "\$dir/classpath.txt")" io.temporal.testserver.TestServer "\$@"
SH
chmod +x "$wrapper"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# Record the archive from a run that serves a request, so request-path classes are in it too.
port=$(free_port)
$java_bin -XX:ArchiveClassesAtExit="$dest/app.jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -cp "$(cat "$dest/classpath.txt")" io.temporal.testserver.TestServer "$port" --enable-time-skipping \
  > "$dest/cds-record.log" 2>&1 &
pid=$!
wait_port "$port"
curl -s --http2-prior-knowledge -o /dev/null -X POST -H 'content-type: application/grpc' \
  "http://127.0.0.1:$port/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo" || true
kill -TERM "$pid"; wait "$pid" || true
[ -f "$dest/app.jsa" ] || { log "no CDS archive was written; see $dest/cds-record.log"; exit 1; }

# Measure what sdk-core will see: from exec to the port accepting connections.
for attempt in 1 2 3; do
  port=$(free_port); t0=$(date +%s%N)
  "$wrapper" "$port" --enable-time-skipping > /dev/null 2>&1 &
  pid=$!
  wait_port "$port"; t1=$(date +%s%N)
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  log "start-up (exec to port open), run $attempt: $(( (t1 - t0) / 1000000 )) ms"
done
mark_installed "$dest"
done_with "installed $wrapper"
