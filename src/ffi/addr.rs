//! Socket addresses: `ruv_ip4_addr`, `ruv_ip6_addr`, `ruv_ip4_name`,
//! `ruv_ip6_name`, `ruv_ip_name`, `ruv_inet_pton`, `ruv_inet_ntop`.
