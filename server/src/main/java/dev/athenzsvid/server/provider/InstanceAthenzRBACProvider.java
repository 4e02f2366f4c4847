package dev.athenzsvid.server.provider;

import static java.util.Objects.requireNonNull;

import dev.athenzsvid.server.authz.Authorizer;
import dev.athenzsvid.server.authz.Decision;
import dev.athenzsvid.server.domain.AthenzNames;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues JWT-SVIDs to callers that Athenz policy lets assume the service. The caller is the
 * subject CN of its TLS client certificate, split at the last dot into domain and service;
 * the check is action {@code zts.assume_service} on resource {@code <domain>:service.<name>}.
 * Every refusal is a 403. Immutable and thread-safe.
 */
public final class InstanceAthenzRBACProvider implements InstanceProvider {
  public static final String ACTION = "zts.assume_service";
  public static final String NO_CERTIFICATE = "client certificate required";
  public static final String ISSUER_NOT_ALLOWED = "client certificate issuer not allowed";
  public static final String BAD_COMMON_NAME = "client certificate CN is not a service name";
  public static final String NOT_AUTHORIZED = "not authorized to assume service";

  private static final Logger log = LoggerFactory.getLogger(InstanceAthenzRBACProvider.class);

  private final String name;
  private final List<X500Principal> allowedIssuers;
  private final Authorizer authorizer;

  public InstanceAthenzRBACProvider(ProviderContext context) {
    requireNonNull(context, "context");
    this.name = context.name();
    this.authorizer = context.authorizer();
    List<X500Principal> issuers = new ArrayList<>();
    for (String dn : context.issuerDnAllowList()) {
      try {
        issuers.add(new X500Principal(dn));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("issuerDnAllowList: " + dn + ": not a DN", e);
      }
    }
    this.allowedIssuers = List.copyOf(issuers);
  }

  @Override
  public SvidType getSVIDType() {
    return SvidType.JWT;
  }

  @Override
  public void confirmInstance(InstanceConfirmation confirmation) throws ProviderException {
    if (confirmation.clientCertificates().isEmpty()) {
      throw forbidden(NO_CERTIFICATE);
    }
    X509Certificate leaf = confirmation.clientCertificates().get(0);
    if (!allowedIssuers.isEmpty() && !allowedIssuers.contains(leaf.getIssuerX500Principal())) {
      throw forbidden(ISSUER_NOT_ALLOWED);
    }
    String principal = callerPrincipal(leaf);
    if (principal == null) {
      throw forbidden(BAD_COMMON_NAME);
    }
    String resource = confirmation.domain() + ":service." + confirmation.service();
    Decision decision = authorizer.check(principal, ACTION, resource);
    log.debug("assume_service check provider={} caller={} resource={} allowed={} reason={}",
        name, principal, resource, decision.allowed(), decision.reason());
    if (!decision.allowed()) {
      throw forbidden(NOT_AUTHORIZED + ": " + principal + " on " + resource);
    }
  }

  /**
   * The service principal {@code <domain>.<service>} named by the certificate's only subject
   * CN, in lower case; null when there is no such CN or it is not a service name.
   */
  public static String callerPrincipal(X509Certificate certificate) {
    X500Name subject = X500Name.getInstance(
        certificate.getSubjectX500Principal().getEncoded());
    RDN[] names = subject.getRDNs(BCStyle.CN);
    if (names.length != 1 || names[0].isMultiValued()) {
      return null;
    }
    String cn = IETFUtils.valueToString(names[0].getFirst().getValue());
    int dot = cn.lastIndexOf('.');
    if (dot <= 0 || dot == cn.length() - 1) {
      return null;
    }
    String domain = cn.substring(0, dot);
    String service = cn.substring(dot + 1);
    if (!AthenzNames.isCompoundName(domain) || !AthenzNames.isSimpleName(service)) {
      return null;
    }
    return cn.toLowerCase(Locale.ROOT);
  }

  private static ProviderException forbidden(String message) {
    return new ProviderException(403, message);
  }
}
