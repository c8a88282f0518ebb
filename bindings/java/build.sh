#!/bin/sh
# Builds the Java binding with the JDK's own tools (no Maven or Gradle):
#   build.sh OUT            OUT/glide-c.jar (the binding) and OUT/test-classes (its JUnit 5 tests)
#   build.sh OUT test       the same, then runs the tests with JUnit's console launcher
# Jars from Debian (scripts/setup.sh): libjna-java (/usr/share/java/jna.jar) and junit5
# (/usr/share/java/junit-platform-console-standalone.jar); JNA_JAR and JUNIT_JAR override them.
# The tests need GLIDE_TEST_SERVERS (a servers.env from tests/scripts/test_servers.sh) and
# GLIDE_C_LIBRARY (the built libglide_c.so); ctest sets both (bindings/java/CMakeLists.txt).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT [test]}
mkdir -p "$out"
out=$(cd "$out" && pwd)
JAVAC=${JAVAC:-javac}
JAR=${JAR:-jar}
JAVA=${JAVA:-java}
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
JUNIT_JAR=${JUNIT_JAR:-/usr/share/java/junit-platform-console-standalone.jar}
for f in "$JNA_JAR" "$JUNIT_JAR"; do
  [ -f "$f" ] || { echo "build.sh: $f not found (Debian: apt-get install libjna-java junit5)" >&2; exit 1; }
done

rm -rf "$out/classes" "$out/test-classes"
mkdir -p "$out/classes" "$out/test-classes"
# -Xlint:all -Werror: warnings fail the build, as GLIDE_WERROR does for the C++.
find "$here/src/main/java" -name '*.java' | sort > "$out/main-sources.txt"
"$JAVAC" --release 17 -encoding UTF-8 -Xlint:all -Werror -cp "$JNA_JAR" -d "$out/classes" @"$out/main-sources.txt"
"$JAR" --create --file "$out/glide-c.jar" -C "$out/classes" .
find "$here/src/test/java" -name '*.java' | sort > "$out/test-sources.txt"
"$JAVAC" --release 17 -encoding UTF-8 -Xlint:all,-processing -Werror \
  -cp "$out/glide-c.jar:$JNA_JAR:$JUNIT_JAR" -d "$out/test-classes" @"$out/test-sources.txt"

if [ "${2:-}" = test ]; then
  exec "$JAVA" -Xss1m -jar "$JUNIT_JAR" --disable-banner --details=tree --disable-ansi-colors --fail-if-no-tests \
    --class-path "$out/glide-c.jar:$JNA_JAR:$out/test-classes" --scan-class-path "$out/test-classes" \
    --reports-dir "$out/test-reports"
fi
