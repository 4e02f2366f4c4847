/**
 * The JSON model of the Athenz ZTS REST API, as far as this project uses it. Field names are
 * the wire contract shared with Athenz clients and servers.
 */
package dev.athenzsvid.proto.zts;
