package io.pitr.emulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The members of AssumeRole the emulator acts on, read from the query protocol's form and checked
 * against STS's API model. Session policies, transitive tag keys, MFA and source identity are
 * accepted and ignored: nothing here enforces permissions.
 *
 * @param roleArn the role to assume
 * @param roleSessionName the session's name, part of the assumed-role ARN
 * @param externalId the ExternalId sent, null if none
 * @param durationSeconds how long the credentials last (900 to 43200, default 3600)
 * @param tags the session tags, in the order of their member numbers
 */
record AssumeRoleRequest(
    String roleArn,
    String roleSessionName,
    String externalId,
    int durationSeconds,
    Map<String, String> tags) {

  static final int DEFAULT_DURATION_SECONDS = 3600;
  static final int MAX_TAGS = 50;
  private static final Pattern ROLE_SESSION_NAME = Pattern.compile("[\\w+=,.@-]*");
  private static final Pattern TAG_KEY = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
  private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
  private static final Pattern TAG_MEMBER =
      Pattern.compile("Tags\\.member\\.(\\d{1,9})\\.(Key|Value)");

  /**
   * Reads and validates the form, reporting violations as STS does (member paths in camel case,
   * list members as {@code tags.N.member.key}).
   */
  static AssumeRoleRequest from(Map<String, String> form) {
    String roleArn = form.get("RoleArn");
    String roleSessionName = form.get("RoleSessionName");
    String externalId = form.get("ExternalId");
    Validation validation =
        new Validation()
            .required(roleArn, "roleArn")
            .length(roleArn, "roleArn", 20, 2048)
            .required(roleSessionName, "roleSessionName")
            .length(roleSessionName, "roleSessionName", 2, 64)
            .pattern(roleSessionName, "roleSessionName", ROLE_SESSION_NAME)
            .length(externalId, "externalId", 2, 1224)
            .pattern(externalId, "externalId", AssumableRole.EXTERNAL_ID);
    Integer duration = integer(form.get("DurationSeconds"));
    if (duration == null && form.containsKey("DurationSeconds")) {
      throw Validation.invalid(
          "Value '" + form.get("DurationSeconds") + "' for DurationSeconds is not an integer");
    }
    validation.range(duration, "durationSeconds", 900, 43200);
    List<String[]> tags = tagMembers(form);
    validation.size(tags.stream().map(tag -> tag[0]).toList(), "tags", 0, MAX_TAGS);
    for (int i = 0; i < tags.size(); i++) {
      String key = tags.get(i)[0];
      String value = tags.get(i)[1];
      String path = "tags." + (i + 1) + ".member.";
      validation
          .required(key, path + "key")
          .length(key, path + "key", 1, 128)
          .pattern(key, path + "key", TAG_KEY)
          .required(value, path + "value")
          .length(value, path + "value", 0, 256)
          .pattern(value, path + "value", TAG_VALUE);
    }
    validation.throwIfInvalid();
    return new AssumeRoleRequest(
        roleArn,
        roleSessionName,
        externalId,
        duration == null ? DEFAULT_DURATION_SECONDS : duration,
        sessionTags(form));
  }

  /**
   * The session tags as sent, without validating them, for the request log: a tag without a key is
   * left out, one without a value has an empty one.
   */
  static Map<String, String> sessionTags(Map<String, String> form) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String[] tag : tagMembers(form)) {
      if (tag[0] != null) {
        tags.put(tag[0], tag[1] == null ? "" : tag[1]);
      }
    }
    return Collections.unmodifiableMap(tags);
  }

  /** {@code Tags.member.N.Key} and {@code .Value} pairs, by N; either may be null. */
  private static List<String[]> tagMembers(Map<String, String> form) {
    Map<Integer, String[]> byNumber = new TreeMap<>();
    form.forEach(
        (name, value) -> {
          Matcher member = TAG_MEMBER.matcher(name);
          if (member.matches()) {
            String[] tag =
                byNumber.computeIfAbsent(
                    Integer.parseInt(member.group(1)), number -> new String[2]);
            tag[member.group(2).equals("Key") ? 0 : 1] = value;
          }
        });
    return new ArrayList<>(byNumber.values());
  }

  private static Integer integer(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
