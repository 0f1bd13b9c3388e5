{#
  The IP address a URL's host is, or null for a host name. Hosts were parsed by the URL parser upstream
  (lower case, IPv6 without brackets), so a shape check is enough to tell an address from a name before the
  cast; a name never reaches the cast.
#}
{% macro host_ip(host) -%}
    case
        when {{ host }} ~ '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$'
            or ({{ host }} ~ '^[0-9a-f:.]+$' and {{ host }} like '%:%')
            then cast({{ host }} as inet)
    end
{%- endmacro %}

{# What part of the address space an IP is in (RFC 1918, 4193, 5737, 3849, 6598, loopback, link-local). #}
{% macro ip_scope(ip) -%}
    case
        when {{ ip }} <<= any (array['127.0.0.0/8', '::1/128']::inet[]) then 'loopback'
        when {{ ip }} <<= any (array['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']::inet[]) then 'private'
        when {{ ip }} <<= any (array['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']::inet[]) then 'documentation'
        when {{ ip }} <<= any (array['169.254.0.0/16', 'fe80::/10']::inet[]) then 'link-local'
        when {{ ip }} <<= inet '100.64.0.0/10' then 'shared'
        else 'public'
    end
{%- endmacro %}
