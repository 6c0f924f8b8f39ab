package io.pitr.emulator;

import java.time.Instant;
import java.util.Map;

/**
 * Temporary credentials AssumeRole issued, remembered so that requests signed with them act as the
 * session in the role's account until they expire.
 *
 * @param accessKeyId {@code ASIA} and 16 uppercase letters and digits, as STS issues them
 * @param secretAccessKey the secret, never checked (signatures are not verified)
 * @param sessionToken the token requests must carry in {@code X-Amz-Security-Token}
 * @param role the role assumed
 * @param roleId the role's unique id ({@code AROA...}), fixed while the role is registered
 * @param sessionName the RoleSessionName the caller chose
 * @param tags the session tags, in the order sent
 * @param expiration when the credentials stop working, on the emulator's clock
 */
record RoleSession(
    String accessKeyId,
    String secretAccessKey,
    String sessionToken,
    AssumableRole role,
    String roleId,
    String sessionName,
    Map<String, String> tags,
    Instant expiration) {

  /** {@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}: the role's path is left out. */
  String assumedRoleArn() {
    return "arn:"
        + role.partition()
        + ":sts::"
        + role.accountId()
        + ":assumed-role/"
        + role.roleName()
        + "/"
        + sessionName;
  }

  /** {@code AROA...:SESSION}, the UserId GetCallerIdentity answers for the session. */
  String assumedRoleId() {
    return roleId + ":" + sessionName;
  }

  boolean expiredAt(Instant now) {
    return !now.isBefore(expiration);
  }
}
