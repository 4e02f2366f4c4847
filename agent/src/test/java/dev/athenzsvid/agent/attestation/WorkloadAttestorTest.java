package dev.athenzsvid.agent.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.athenzsvid.agent.config.Identity;
import dev.athenzsvid.agent.config.Selectors;
import dev.athenzsvid.agent.config.WorkloadEntry;
import io.grpc.Attributes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class WorkloadAttestorTest {
  private static final Path EXE = Path.of("/usr/bin/app");

  /** A process table tests edit. */
  private static final class FakeProcessInspector implements ProcessInspector {
    final Map<Integer, ProcessInfo> processes = new ConcurrentHashMap<>();

    @Override
    public Optional<ProcessInfo> inspect(int pid) {
      return Optional.ofNullable(processes.get(pid));
    }
  }

  /** Users alice=1000 and group staff=50. */
  private static final class FakeUserDirectory implements UserDirectory {
    @Override
    public OptionalInt uid(String user) {
      return user.equals("alice") ? OptionalInt.of(1000) : OptionalInt.empty();
    }

    @Override
    public OptionalInt gid(String group) {
      return group.equals("staff") ? OptionalInt.of(50) : OptionalInt.empty();
    }
  }

  private final FakeProcessInspector processes = new FakeProcessInspector();
  private final WorkloadAttestor attestor = new WorkloadAttestor();
  private final ConnectionTracker tracker = new ConnectionTracker(processes);

  private Attributes connect(int pid, int uid) {
    Attributes attributes = Attributes.newBuilder().set(PeerCredentialsBridge.PEER_CREDENTIALS,
        new PeerCredentials(pid, uid, List.of(100))).build();
    return tracker.transportReady(attributes);
  }

  @Test
  void attest_liveCaller_uidGroupsAndPath() throws Exception {
    processes.processes.put(7, new ProcessInfo(11, 1000, Set.of(100, 50), Optional.of(EXE)));
    Caller caller = attestor.attest(connect(7, 1000));
    assertEquals(1000, caller.uid());
    assertEquals(Set.of(100, 50), caller.groups());
    assertEquals(Optional.of(EXE), caller.executable());
  }

  @Test
  void attest_noPathOrGroupSelectors_neitherRead() throws Exception {
    processes.processes.put(7, new ProcessInfo(11, 1000, Set.of(100, 50), Optional.of(EXE)));
    Caller caller = new WorkloadAttestor(false, false).attest(connect(7, 1000));
    assertEquals(1000, caller.uid());
    assertEquals(Set.of(), caller.groups());
    assertEquals(Optional.empty(), caller.executable());
  }

  @Test
  void attest_groupDroppedAfterConnect_callerHasGroupsOfNow() throws Exception {
    processes.processes.put(7, new ProcessInfo(11, 1000, Set.of(100, 50), Optional.of(EXE)));
    Attributes connected = connect(7, 1000);
    processes.processes.put(7, new ProcessInfo(11, 1000, Set.of(100), Optional.of(EXE)));
    assertEquals(Set.of(100), attestor.attest(connected).groups());
  }

  @Test
  void attest_callerExited_refusedAsGone() {
    processes.processes.put(7, new ProcessInfo(11, 1000, Set.of(100), Optional.of(EXE)));
    Attributes connected = connect(7, 1000);
    processes.processes.remove(7);
    AttestationException e =
        assertThrows(AttestationException.class, () -> attestor.attest(connected));
    assertTrue(e.callerGone());
    assertTrue(e.getMessage().startsWith(WorkloadAttestor.CALLER_GONE));
  }

  @Test
  void attest_pidReused_refusedAsGone() {
    processes.processes.put(7, new ProcessInfo(11, 1000, Set.of(100), Optional.of(EXE)));
    Attributes connected = connect(7, 1000);
    processes.processes.put(7, new ProcessInfo(99, 0, Set.of(0), Optional.of(EXE)));
    AttestationException e =
        assertThrows(AttestationException.class, () -> attestor.attest(connected));
    assertTrue(e.callerGone());
  }

  @Test
  void attest_noCredentials_refused() {
    AttestationException e =
        assertThrows(AttestationException.class, () -> attestor.attest(Attributes.EMPTY));
    assertEquals(WorkloadAttestor.NO_CREDENTIALS, e.getMessage());
  }

  private static Selectors selectors(Integer uid, String user, Integer gid, String group,
      Path path) {
    return new Selectors(uid == null ? OptionalInt.empty() : OptionalInt.of(uid),
        Optional.ofNullable(user), gid == null ? OptionalInt.empty() : OptionalInt.of(gid),
        Optional.ofNullable(group), Optional.ofNullable(path));
  }

  @Test
  void identities_selectorsAllMustMatch_severalIdentitiesDefaultFirst() {
    Identity api = Identity.of("athenz.io", "athenz.demo.api", "default", "api");
    Identity web = Identity.of("athenz.io", "athenz.demo.web", "default", "web");
    Identity db = Identity.of("athenz.io", "athenz.demo.db", "default", "db");
    IdentityMapper mapper = new IdentityMapper(List.of(
        new WorkloadEntry(selectors(null, "alice", null, "staff", EXE), List.of(api, web)),
        new WorkloadEntry(selectors(1000, null, 999, null, null), List.of(db)),
        new WorkloadEntry(selectors(null, null, 100, null, null), List.of(web))),
        new FakeUserDirectory());
    Caller caller = new Caller(7, 1000, Set.of(100, 50), Optional.of(EXE));
    assertEquals(List.of(api, web), mapper.identities(caller));
    Caller otherPath = new Caller(7, 1000, Set.of(100, 50), Optional.of(Path.of("/bin/sh")));
    assertEquals(List.of(web), mapper.identities(otherPath));
  }
}
