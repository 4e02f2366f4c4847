// Command interop-go drives the agent's Workload API with go-spiffe v2, the library Go
// workloads use, and prints one line per check: "PASS go-spiffe/<check>" or
// "FAIL go-spiffe/<check>: <reason>". It exits 1 when any check failed and 2 on bad flags.
//
// The checks run in order and share what earlier ones fetched (the token, the bundles), so a
// failed fetch makes the checks that need its result fail too, each with its own line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	checkTimeout  = 15 * time.Second
	audience      = "https://go.interop.example/a"
	extraAudience = "https://go.interop.example/b"
	wrongAudience = "https://go.interop.example/not-this-one"
)

// expected is what the demo deployment maps the calling uid to.
type expected struct {
	socket   string
	spiffeID spiffeid.ID
	hint     string
}

// suite carries the client and the results that later checks reuse. Not safe for concurrent
// use: checks run one after another.
type suite struct {
	want    expected
	client  *workloadapi.Client
	token   string         // first JWT-SVID fetched, for both audiences
	bundles *jwtbundle.Set // bundles from the agent, for local validation
	failed  int
}

func main() {
	want, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop-go:", err)
		os.Exit(2)
	}
	os.Exit(run(want))
}

func parseFlags() (expected, error) {
	socket := flag.String("socket", os.Getenv("SPIFFE_ENDPOINT_SOCKET"),
		"Workload API address, unix:///path (default $SPIFFE_ENDPOINT_SOCKET)")
	id := flag.String("spiffe-id", "spiffe://athenz.io/ns/default/sa/athenz.demo.api",
		"SPIFFE ID the agent should issue to this process")
	hint := flag.String("hint", "api", "hint the agent should attach to that SPIFFE ID")
	flag.Parse()
	if *socket == "" {
		return expected{}, errors.New("-socket or SPIFFE_ENDPOINT_SOCKET is required")
	}
	spiffeID, err := spiffeid.FromString(*id)
	if err != nil {
		return expected{}, fmt.Errorf("-spiffe-id: %w", err)
	}
	return expected{socket: *socket, spiffeID: spiffeID, hint: *hint}, nil
}

func run(want expected) int {
	// The client dials lazily, so a missing socket shows up in the first check, not here.
	client, err := workloadapi.New(context.Background(), workloadapi.WithAddr(want.socket))
	if err != nil {
		fmt.Printf("FAIL go-spiffe/client: %v\n", err)
		return 1
	}
	defer client.Close()

	s := &suite{want: want, client: client}
	s.check("fetch-jwt-svid", s.fetchJWTSVID)
	s.check("fetch-jwt-svid-by-spiffe-id", s.fetchJWTSVIDBySpiffeID)
	s.check("fetch-jwt-bundles", s.fetchJWTBundles)
	s.check("validate-locally", s.validateLocally)
	s.check("validate-locally-wrong-audience", s.refuseLocally)
	s.check("validate-by-agent", s.validateByAgent)
	s.check("validate-by-agent-wrong-audience", s.refuseByAgent)
	s.check("jwt-source", s.jwtSource)
	if s.failed > 0 {
		return 1
	}
	return 0
}

func (s *suite) check(name string, fn func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if err := fn(ctx); err != nil {
		s.failed++
		fmt.Printf("FAIL go-spiffe/%s: %v\n", name, err)
		return
	}
	fmt.Printf("PASS go-spiffe/%s\n", name)
}

// fetchJWTSVID asks for one token with two audiences; the agent must put both in "aud"
// (go-spiffe itself only insists on one of them).
func (s *suite) fetchJWTSVID(ctx context.Context) error {
	svid, err := s.client.FetchJWTSVID(ctx, jwtsvid.Params{
		Audience:       audience,
		ExtraAudiences: []string{extraAudience},
	})
	if err != nil {
		return err
	}
	if err := s.checkSVID(svid); err != nil {
		return err
	}
	if svid.Hint != s.want.hint {
		return fmt.Errorf("hint %q, want %q", svid.Hint, s.want.hint)
	}
	for _, aud := range []string{audience, extraAudience} {
		if !slices.Contains(svid.Audience, aud) {
			return fmt.Errorf("aud %q lacks %q", svid.Audience, aud)
		}
	}
	s.token = svid.Marshal()
	return nil
}

// fetchJWTSVIDBySpiffeID names the SPIFFE ID in the request; exactly that identity comes back.
func (s *suite) fetchJWTSVIDBySpiffeID(ctx context.Context) error {
	svids, err := s.client.FetchJWTSVIDs(ctx, jwtsvid.Params{
		Audience: audience,
		Subject:  s.want.spiffeID,
	})
	if err != nil {
		return err
	}
	if len(svids) != 1 {
		return fmt.Errorf("%d JWT-SVIDs, want 1", len(svids))
	}
	return s.checkSVID(svids[0])
}

func (s *suite) fetchJWTBundles(ctx context.Context) error {
	bundles, err := s.client.FetchJWTBundles(ctx)
	if err != nil {
		return err
	}
	bundle, ok := bundles.Get(s.want.spiffeID.TrustDomain())
	if !ok {
		return fmt.Errorf("no bundle for %s", s.want.spiffeID.TrustDomain().IDString())
	}
	if len(bundle.JWTAuthorities()) == 0 {
		return errors.New("bundle has no keys")
	}
	s.bundles = bundles
	return nil
}

// validateLocally checks the signature with the agent's bundles, as a receiving service does.
func (s *suite) validateLocally(context.Context) error {
	if err := s.needTokenAndBundles(); err != nil {
		return err
	}
	svid, err := jwtsvid.ParseAndValidate(s.token, s.bundles, []string{extraAudience})
	if err != nil {
		return err
	}
	return s.checkSVID(svid)
}

func (s *suite) refuseLocally(context.Context) error {
	if err := s.needTokenAndBundles(); err != nil {
		return err
	}
	if _, err := jwtsvid.ParseAndValidate(s.token, s.bundles, []string{wrongAudience}); err == nil {
		return errors.New("token accepted for an audience it was not issued for")
	}
	return nil
}

func (s *suite) validateByAgent(ctx context.Context) error {
	if s.token == "" {
		return errors.New("no token: fetch-jwt-svid failed")
	}
	svid, err := s.client.ValidateJWTSVID(ctx, s.token, audience)
	if err != nil {
		return err
	}
	return s.checkSVID(svid)
}

// refuseByAgent expects INVALID_ARGUMENT, the code the Workload API gives for a bad token.
func (s *suite) refuseByAgent(ctx context.Context) error {
	if s.token == "" {
		return errors.New("no token: fetch-jwt-svid failed")
	}
	_, err := s.client.ValidateJWTSVID(ctx, s.token, wrongAudience)
	if err == nil {
		return errors.New("agent accepted the token for an audience it was not issued for")
	}
	if code := status.Code(err); code != codes.InvalidArgument {
		return fmt.Errorf("code %s, want %s (%v)", code, codes.InvalidArgument, err)
	}
	return nil
}

// jwtSource opens the long-lived source services use: it must receive the bundles stream,
// fetch a token, and validate that token against its own bundles.
func (s *suite) jwtSource(ctx context.Context) error {
	source, err := workloadapi.NewJWTSource(ctx,
		workloadapi.WithClientOptions(workloadapi.WithAddr(s.want.socket)))
	if err != nil {
		return err
	}
	defer source.Close()
	if _, err := source.GetJWTBundleForTrustDomain(s.want.spiffeID.TrustDomain()); err != nil {
		return err
	}
	svid, err := source.FetchJWTSVID(ctx, jwtsvid.Params{Audience: audience})
	if err != nil {
		return err
	}
	validated, err := jwtsvid.ParseAndValidate(svid.Marshal(), source, []string{audience})
	if err != nil {
		return err
	}
	return s.checkSVID(validated)
}

func (s *suite) checkSVID(svid *jwtsvid.SVID) error {
	if svid.ID != s.want.spiffeID {
		return fmt.Errorf("SPIFFE ID %s, want %s", svid.ID, s.want.spiffeID)
	}
	if !svid.Expiry.After(time.Now()) {
		return fmt.Errorf("already expired at %s", svid.Expiry)
	}
	return nil
}

func (s *suite) needTokenAndBundles() error {
	switch {
	case s.token == "":
		return errors.New("no token: fetch-jwt-svid failed")
	case s.bundles == nil:
		return errors.New("no bundles: fetch-jwt-bundles failed")
	}
	return nil
}
