package dev.athenzsvid.agent.bundle;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Collection;
import java.util.Date;
import java.util.Map;

/**
 * Converts JWT claims, as JSON values, to a protobuf {@link Struct} for ValidateJWTSVID:
 * numbers become doubles, dates seconds since the epoch, anything else unknown its text.
 * Stateless.
 */
final class ClaimsStruct {
  private ClaimsStruct() {}

  static Struct of(Map<String, ?> claims) {
    Struct.Builder struct = Struct.newBuilder();
    claims.forEach((name, value) -> struct.putFields(name, value(value)));
    return struct.build();
  }

  private static Value value(Object value) {
    Value.Builder out = Value.newBuilder();
    if (value == null) {
      out.setNullValue(NullValue.NULL_VALUE);
    } else if (value instanceof String text) {
      out.setStringValue(text);
    } else if (value instanceof Boolean flag) {
      out.setBoolValue(flag);
    } else if (value instanceof Number number) {
      out.setNumberValue(number.doubleValue());
    } else if (value instanceof Date date) {
      out.setNumberValue(date.getTime() / 1000);
    } else if (value instanceof Map<?, ?> map) {
      Struct.Builder nested = Struct.newBuilder();
      map.forEach((name, item) -> nested.putFields(String.valueOf(name), value(item)));
      out.setStructValue(nested);
    } else if (value instanceof Collection<?> list) {
      ListValue.Builder items = ListValue.newBuilder();
      list.forEach(item -> items.addValues(value(item)));
      out.setListValue(items);
    } else {
      out.setStringValue(value.toString());
    }
    return out.build();
  }
}
