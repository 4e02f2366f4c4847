# Host agent image; it also carries the client jar, whose `api healthcheck` command is the
# container's health probe. Build from the repository root after `mvn -B package -DskipTests`:
#   docker build -f deploy/docker/agent.Dockerfile -t athenz-svid-agent:0.1.0 .
FROM eclipse-temurin:17-jre

RUN groupadd --system --gid 10002 athenz-svid-agent \
 && useradd --system --uid 10002 --gid 10002 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin athenz-svid-agent

COPY agent/target/athenz-svid-agent.jar /opt/athenz-svid/athenz-svid-agent.jar
COPY client/target/athenz-svid-client.jar /opt/athenz-svid/athenz-svid-client.jar

# Non-root by default. The Kubernetes DaemonSet runs it as uid 0 holding only
# CAP_SYS_PTRACE, which attestation of other users' processes needs (deploy/README.md).
USER 10002:10002
EXPOSE 9090
# The heap follows the container's memory limit, not the node's memory.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/opt/athenz-svid/athenz-svid-agent.jar"]
CMD ["--config", "/etc/athenz-svid/agent.yaml"]
