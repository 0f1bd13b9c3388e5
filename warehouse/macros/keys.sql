{#
  Surrogate keys are an md5 of the natural key, lower-cased and trimmed, so a fact computes the same key as
  its dimension without joining it (an incremental fact never has to look a dimension up), and "FIN7" and
  "fin7 " are one actor. Parts are joined with `||`, so a null part makes the key null (an event without an
  actor has no actor_key) instead of the key of the other parts.
#}
{% macro vigil_key(expressions) -%}
    md5(
    {%- for expression in expressions -%}
        lower(trim(cast({{ expression }} as text))){% if not loop.last %} || '|' || {% endif %}
    {%- endfor -%}
    )
{%- endmacro %}

{# The dim_date key of a date or timestamptz, YYYYMMDD; a timestamp's day is its UTC day. #}
{% macro date_key(expression, is_timestamp=true) -%}
    {%- if is_timestamp -%}
    cast(to_char({{ expression }} at time zone 'UTC', 'YYYYMMDD') as integer)
    {%- else -%}
    cast(to_char({{ expression }}, 'YYYYMMDD') as integer)
    {%- endif -%}
{%- endmacro %}
