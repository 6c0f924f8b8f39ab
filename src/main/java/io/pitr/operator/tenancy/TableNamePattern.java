package io.pitr.operator.tenancy;

import java.util.regex.Pattern;

/**
 * A table name pattern of an account binding: '*' stands for any run of characters, '?' for one,
 * everything else for itself. Table names have no separators, so there is nothing for a glob
 * library's path rules to do.
 */
final class TableNamePattern {

  private TableNamePattern() {}

  static boolean matches(String pattern, String tableName) {
    if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0) {
      return pattern.equals(tableName);
    }
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '*' || c == '?') {
        if (!literal.isEmpty()) {
          regex.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (!literal.isEmpty()) {
      regex.append(Pattern.quote(literal.toString()));
    }
    return Pattern.matches(regex.toString(), tableName);
  }
}
