"""Drives the agent's Workload API with py-spiffe, the library Python workloads use.

Prints one line per check, "PASS py-spiffe/<check>" or "FAIL py-spiffe/<check>: <reason>",
and exits 1 when any check failed, 2 on bad arguments.

The checks run in order and share what earlier ones fetched (the token, the bundles), so a
failed fetch makes the checks that need its result fail too, each with its own line.

    python interop_check.py --socket unix:///path/to/agent.sock
"""

import argparse
import os
import sys
import time

import grpc
from spiffe import JwtSource, JwtSvid, SpiffeId, WorkloadApiClient
from spiffe.svid.errors import JwtSvidError
from spiffe.workloadapi.errors import ValidateJwtSvidError

CALL_TIMEOUT_SECONDS = 15
AUDIENCE = "https://py.interop.example/a"
EXTRA_AUDIENCE = "https://py.interop.example/b"
WRONG_AUDIENCE = "https://py.interop.example/not-this-one"


class CheckFailed(Exception):
    """A check's expectation did not hold; the message is the reason printed."""


class Suite:
    """Runs the checks one after another with one client. Not thread-safe."""

    def __init__(self, client, socket, spiffe_id):
        self.client = client
        self.socket = socket
        self.spiffe_id = spiffe_id
        self.token = None  # first JWT-SVID fetched, for both audiences
        self.bundles = None  # JwtBundleSet from the agent, for local validation
        self.failed = 0

    def run(self):
        self.check("fetch-jwt-svid", self.fetch_jwt_svid)
        self.check("fetch-jwt-svid-by-spiffe-id", self.fetch_jwt_svid_by_spiffe_id)
        self.check("fetch-jwt-bundles", self.fetch_jwt_bundles)
        self.check("validate-locally", self.validate_locally)
        self.check("validate-locally-wrong-audience", self.refuse_locally)
        self.check("validate-by-agent", self.validate_by_agent)
        self.check("validate-by-agent-wrong-audience", self.refuse_by_agent)
        self.check("jwt-source", self.jwt_source)
        return 1 if self.failed else 0

    def check(self, name, fn):
        try:
            fn()
        except Exception as err:  # any error is this check's failure, not the suite's
            self.failed += 1
            print(f"FAIL py-spiffe/{name}: {describe(err)}", flush=True)
            return
        print(f"PASS py-spiffe/{name}", flush=True)

    def fetch_jwt_svid(self):
        """One token for two audiences; the agent must put both in "aud"."""
        svid = self.client.fetch_jwt_svid({AUDIENCE, EXTRA_AUDIENCE})
        self.check_svid(svid)
        audiences = as_set(svid.audience)
        missing = {AUDIENCE, EXTRA_AUDIENCE} - audiences
        if missing:
            raise CheckFailed(f"aud {sorted(audiences)} lacks {sorted(missing)}")
        self.token = svid.token

    def fetch_jwt_svid_by_spiffe_id(self):
        """Names the SPIFFE ID in the request; exactly that identity comes back."""
        svids = self.client.fetch_jwt_svids({AUDIENCE}, subject=self.spiffe_id)
        if len(svids) != 1:
            raise CheckFailed(f"{len(svids)} JWT-SVIDs, want 1")
        self.check_svid(svids[0])

    def fetch_jwt_bundles(self):
        bundles = self.client.fetch_jwt_bundles()
        bundle = bundles.get_bundle_for_trust_domain(self.spiffe_id.trust_domain)
        if bundle is None:
            raise CheckFailed(f"no bundle for {self.spiffe_id.trust_domain}")
        if not bundle.jwt_authorities:
            raise CheckFailed("bundle has no keys")
        self.bundles = bundles

    def validate_locally(self):
        """Checks the signature with the agent's bundles, as a receiving service does."""
        svid = JwtSvid.parse_and_validate(self.token_or_fail(), self.bundle_or_fail(),
                                          {EXTRA_AUDIENCE})
        self.check_svid(svid)

    def refuse_locally(self):
        token, bundle = self.token_or_fail(), self.bundle_or_fail()
        try:
            JwtSvid.parse_and_validate(token, bundle, {WRONG_AUDIENCE})
        except JwtSvidError:
            return
        raise CheckFailed("token accepted for an audience it was not issued for")

    def validate_by_agent(self):
        svid = self.client.validate_jwt_svid(self.token_or_fail(), AUDIENCE)
        self.check_svid(svid)

    def refuse_by_agent(self):
        """Expects INVALID_ARGUMENT, the code the Workload API gives for a bad token."""
        token = self.token_or_fail()
        try:
            self.client.validate_jwt_svid(token, WRONG_AUDIENCE)
        except ValidateJwtSvidError as err:
            code = status_code(err)
            if code != grpc.StatusCode.INVALID_ARGUMENT:
                raise CheckFailed(f"code {code}, want INVALID_ARGUMENT ({err})") from err
            return
        raise CheckFailed("agent accepted the token for an audience it was not issued for")

    def jwt_source(self):
        """The long-lived source services use: bundles stream, fetch, validate against it."""
        source = JwtSource(socket_path=self.socket, timeout_in_seconds=CALL_TIMEOUT_SECONDS)
        try:
            bundle = source.get_bundle_for_trust_domain(self.spiffe_id.trust_domain)
            if bundle is None:
                raise CheckFailed(f"source has no bundle for {self.spiffe_id.trust_domain}")
            svid = source.fetch_svid({AUDIENCE}, timeout=CALL_TIMEOUT_SECONDS)
            self.check_svid(JwtSvid.parse_and_validate(svid.token, bundle, {AUDIENCE}))
        finally:
            source.close()

    def check_svid(self, svid):
        if svid.spiffe_id != self.spiffe_id:
            raise CheckFailed(f"SPIFFE ID {svid.spiffe_id}, want {self.spiffe_id}")
        if svid.expiry <= time.time():
            raise CheckFailed(f"already expired at {svid.expiry}")

    def token_or_fail(self):
        if not self.token:
            raise CheckFailed("no token: fetch-jwt-svid failed")
        return self.token

    def bundle_or_fail(self):
        if self.bundles is None:
            raise CheckFailed("no bundles: fetch-jwt-bundles failed")
        return self.bundles.get_bundle_for_trust_domain(self.spiffe_id.trust_domain)


def as_set(audience):
    """The "aud" claim as a set: JWT allows a single string as well as a list."""
    return {audience} if isinstance(audience, str) else set(audience)


def status_code(err):
    """The gRPC status behind a py-spiffe error, which keeps the RpcError as its cause."""
    cause = err.__cause__
    return cause.code() if isinstance(cause, grpc.Call) else None


def describe(err):
    text = str(err) or type(err).__name__
    return " ".join(text.split())  # one line, whatever the library put in the message


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", default=os.environ.get("SPIFFE_ENDPOINT_SOCKET"),
                        help="Workload API address, unix:///path "
                             "(default $SPIFFE_ENDPOINT_SOCKET)")
    parser.add_argument("--spiffe-id", default="spiffe://athenz.io/ns/default/sa/athenz.demo.api",
                        help="SPIFFE ID the agent should issue to this process")
    args = parser.parse_args()
    if not args.socket:
        parser.error("--socket or SPIFFE_ENDPOINT_SOCKET is required")
    return args


def main():
    args = parse_args()
    spiffe_id = SpiffeId(args.spiffe_id)
    try:
        client = WorkloadApiClient(args.socket, default_timeout=CALL_TIMEOUT_SECONDS)
    except Exception as err:
        print(f"FAIL py-spiffe/client: {describe(err)}", flush=True)
        return 1
    with client:
        return Suite(client, args.socket, spiffe_id).run()


if __name__ == "__main__":
    sys.exit(main())
