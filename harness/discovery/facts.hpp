// The facts settings cases carry in case_result.extra: written by the discovery and the
// verification, read by the settings/ and policy/ rules (which never do I/O).
#pragma once

namespace mailspec::discovery::fact {

// Every settings case
inline constexpr const char* role = "settings.role";  // discovery | server | mx | mta-sts | tls-rpt

// settings/discovery
inline constexpr const char* input = "input";
inline constexpr const char* resolver = "resolver";
inline constexpr const char* sources = "sources";            // one line per source tried: "WHERE: OUTCOME"
inline constexpr const char* autoconfig_source = "autoconfig.source";  // the source used ("" = none)
inline constexpr const char* autoconfig_error = "autoconfig.error";    // a fetched document that did not parse
inline constexpr const char* autoconfig_https = "autoconfig.https_errors";  // TLS failures of existing hosts
inline constexpr const char* autoconfig_redirect = "autoconfig.redirect_refused";
inline constexpr const char* autoconfig_unanswered = "autoconfig.unanswered";  // fetches that timed out
inline constexpr const char* srv = "srv";                    // one line per SRV name: "NAME: RECORDS | STATUS"
inline constexpr const char* srv_mismatch = "srv.vs_autoconfig";  // lines "SRV ... | autoconfig ..."
inline constexpr const char* servers = "servers";            // one line per published server
inline constexpr const char* access_types = "published.access";          // socket types published for imap/pop3
inline constexpr const char* submission_types = "published.submission";  // socket types published for smtp

// settings/<type>:<host>:<port> (plus the audit's probe facts)
inline constexpr const char* p_type = "published.type";
inline constexpr const char* p_host = "published.hostname";
inline constexpr const char* p_port = "published.port";
inline constexpr const char* p_socket = "published.socket_type";
inline constexpr const char* p_auth = "published.authentication";  // space-separated
inline constexpr const char* p_user = "published.username";
inline constexpr const char* p_source = "published.source";        // "; "-separated
inline constexpr const char* p_problems = "published.problems";    // "; "-separated
inline constexpr const char* c_port = "connected.port";
inline constexpr const char* c_address = "connected.address";
inline constexpr const char* resolve_error = "resolve.error";
inline constexpr const char* resolve_status = "resolve.status";   // NXDOMAIN | no record | timeout | SERVFAIL | error
inline constexpr const char* real_socket = "real.socket_type";     // SSL | STARTTLS | plain | unknown
inline constexpr const char* real_evidence = "real.evidence";
inline constexpr const char* real_caps = "real.capabilities";      // on the channel a client logs in on
inline constexpr const char* real_tls = "real.auth_channel_tls";   // yes | no

// settings/mx:<host>:<port>
inline constexpr const char* mx_host = "mx.host";
inline constexpr const char* sts_mode = "mta_sts.mode";  // the valid policy's mode ("" = none)

// policy/mta-sts
inline constexpr const char* sts_txt_status = "mta_sts.txt.status";
inline constexpr const char* sts_txt = "mta_sts.txt";    // every TXT string, one per line
inline constexpr const char* sts_url = "mta_sts.policy.url";
inline constexpr const char* sts_fetch = "mta_sts.policy.fetch";  // ok | the error
inline constexpr const char* sts_body = "mta_sts.policy.body";
inline constexpr const char* sts_ctype = "mta_sts.policy.content_type";
inline constexpr const char* mx_hosts = "mx.hosts";      // the real MX set, space-separated

// policy/tls-rpt
inline constexpr const char* rpt_status = "tls_rpt.txt.status";
inline constexpr const char* rpt_txt = "tls_rpt.txt";

}  // namespace mailspec::discovery::fact
