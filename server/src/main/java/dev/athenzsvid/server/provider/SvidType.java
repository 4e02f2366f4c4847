package dev.athenzsvid.server.provider;

/** The kind of identity a provider vouches for. */
public enum SvidType {
  X509,
  JWT
}
