package dev.athenzsvid.proto.zts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The error body of every Athenz REST failure: the HTTP status again and a message. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResourceError(int code, String message) {}
