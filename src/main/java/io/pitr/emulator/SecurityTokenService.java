package io.pitr.emulator;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * STS's state: the roles callers may assume and the sessions AssumeRole issued, by access key id.
 * It also says who every request acts as, DynamoDB's included: a key it issued acts as its session
 * in the role's account; any other key keeps the rule the emulator always had (12 digits name the
 * account, anything else is the configured account), so an {@code ASIA} key the emulator did not
 * issue is lenient too. Thread-safe.
 */
final class SecurityTokenService {

  private static final char[] UPPERCASE_AND_DIGITS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
  private static final char[] BASE64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

  /** The largest tag set STS takes (50 keys of 128, values of 256), for PackedPolicySize. */
  private static final int LARGEST_TAG_SET = AssumeRoleRequest.MAX_TAGS * (128 + 256);

  private final EmulatorSettings settings;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentMap<String, RegisteredRole> roles = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, RoleSession> sessions = new ConcurrentHashMap<>();

  SecurityTokenService(EmulatorSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /** Registers the role, replacing the trust of one with the same ARN but keeping its role id. */
  void registerRole(AssumableRole role) {
    roles.compute(
        role.roleArn(),
        (arn, registered) ->
            new RegisteredRole(role, registered != null ? registered.roleId() : newRoleId()));
  }

  /** The registered roles, by ARN. */
  List<AssumableRole> roles() {
    return roles.values().stream()
        .map(RegisteredRole::role)
        .sorted(Comparator.comparing(AssumableRole::roleArn))
        .toList();
  }

  /** Forgets every role; sessions already issued keep working until they expire. */
  void clearRoles() {
    roles.clear();
  }

  /**
   * Who a request signed with {@code accessKeyId} (null: unsigned) acts as, in {@code region}
   * (null: the default region).
   */
  Caller identify(String accessKeyId, String region) {
    String actingRegion = region != null && !region.isEmpty() ? region : settings.defaultRegion();
    RoleSession session = accessKeyId == null ? null : sessions.get(accessKeyId);
    if (session != null) {
      return new Caller(new Scope(session.role().accountId(), actingRegion), session);
    }
    String accountId =
        accessKeyId != null && accessKeyId.matches("\\d{12}") ? accessKeyId : settings.accountId();
    return new Caller(new Scope(accountId, actingRegion), null);
  }

  /**
   * Refuses a session's request that carries another token than the session's (as live AWS refuses
   * a token it cannot read) or that comes once the session has expired. Root callers pass.
   */
  void authenticate(Caller caller, String sessionToken) {
    RoleSession session = caller.session();
    if (session == null) {
      return;
    }
    if (!session.sessionToken().equals(sessionToken)) {
      throw AwsErrorType.UNRECOGNIZED_CLIENT.exception(
          AwsErrorType.UNRECOGNIZED_CLIENT.defaultMessage());
    }
    if (session.expiredAt(clock.instant())) {
      throw AwsErrorType.EXPIRED_TOKEN.exception(AwsErrorType.EXPIRED_TOKEN.defaultMessage());
    }
  }

  /** Checks the role's trust for this caller and request, without acting on it. */
  TrustCheck checkTrust(Caller caller, AssumeRoleRequest request) {
    RegisteredRole registered = roles.get(request.roleArn());
    if (registered == null) {
      return new TrustCheck(null, false, false);
    }
    return new TrustCheck(
        registered,
        registered.role().trusts(caller.scope().accountId()),
        registered.role().externalId().equals(request.externalId()));
  }

  /**
   * Issues credentials for the role if its trust allows, else AccessDenied in STS's words, the same
   * whatever failed, since STS does not tell a caller which condition it missed.
   */
  RoleSession assumeRole(Caller caller, AssumeRoleRequest request, TrustCheck trust) {
    if (!trust.allowed()) {
      throw AwsErrorType.ACCESS_DENIED.exception(
          "User: "
              + caller.arn()
              + " is not authorized to perform: sts:AssumeRole on resource: "
              + request.roleArn());
    }
    RoleSession session;
    do {
      session =
          new RoleSession(
              "ASIA" + randomText(UPPERCASE_AND_DIGITS, 16),
              randomText(BASE64, 40),
              randomText(BASE64, 356),
              trust.role().role(),
              trust.role().roleId(),
              request.roleSessionName(),
              request.tags(),
              clock
                  .instant()
                  .truncatedTo(ChronoUnit.SECONDS)
                  .plusSeconds(request.durationSeconds()));
    } while (sessions.putIfAbsent(session.accessKeyId(), session) != null);
    return session;
  }

  /**
   * PackedPolicySize for the session's tags, null without tags (STS omits it then). STS's packing
   * is not public: this is the tags' share of the largest tag set STS takes, in percent, at least
   * 1.
   */
  static Integer packedPolicySize(RoleSession session) {
    if (session.tags().isEmpty()) {
      return null;
    }
    int characters =
        session.tags().entrySet().stream()
            .mapToInt(tag -> tag.getKey().length() + tag.getValue().length())
            .sum();
    return Math.max(1, (int) Math.ceil(characters * 100.0 / LARGEST_TAG_SET));
  }

  private String newRoleId() {
    return "AROA" + randomText(UPPERCASE_AND_DIGITS, 17);
  }

  private String randomText(char[] alphabet, int length) {
    char[] text = new char[length];
    for (int i = 0; i < length; i++) {
      text[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return new String(text);
  }

  /** A role with the id it keeps while registered. */
  record RegisteredRole(AssumableRole role, String roleId) {}

  /**
   * The outcome of checking a role's trust.
   *
   * @param role the registered role, null if none has the requested ARN
   * @param accountTrusted whether the role trusts the caller's account
   * @param externalIdMatched whether the ExternalId sent is the one the trust requires
   */
  record TrustCheck(RegisteredRole role, boolean accountTrusted, boolean externalIdMatched) {
    boolean allowed() {
      return role != null && accountTrusted && externalIdMatched;
    }
  }
}
