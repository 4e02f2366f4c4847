# Token server image. Build from the repository root after `mvn -B package -DskipTests`:
#   docker build -f deploy/docker/server.Dockerfile -t athenz-svid-server:0.1.0 .
FROM eclipse-temurin:17-jre

# A fixed numeric uid lets Kubernetes verify runAsNonRoot and match fsGroup on Secrets.
RUN groupadd --system --gid 10001 athenz-svid \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin athenz-svid

COPY server/target/athenz-svid-server.jar /opt/athenz-svid/athenz-svid-server.jar

USER 10001:10001
EXPOSE 4443
# The heap follows the container's memory limit, not the node's memory.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/athenz-svid/athenz-svid-server.jar"]
CMD ["--config", "/etc/athenz-svid/server.yaml"]
