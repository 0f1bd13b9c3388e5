{#
  Where models land. dbt's default would be "<target schema>_<custom schema>" (public_staging); Vigil's
  schemas are fixed by DESIGN.md §3, so a model with `+schema: staging` lands in `staging` itself.
  A schema prefix (var `schema_prefix`, else the environment's VIGIL_DBT_SCHEMA_PREFIX) is put in front of
  every schema, so a test builds into its own `<prefix>staging` and `<prefix>marts` beside the real ones.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set name = custom_schema_name | trim if custom_schema_name is not none else target.schema -%}
    {{ schema_prefix() ~ name }}
{%- endmacro %}

{% macro schema_prefix() -%}
    {%- set prefix = var('schema_prefix', env_var('VIGIL_DBT_SCHEMA_PREFIX', '')) | string | trim -%}
    {#- It becomes part of an unquoted identifier: refuse what Postgres would fold or choke on. -#}
    {%- if not modules.re.match('^[a-z0-9_]*$', prefix) -%}
        {{ exceptions.raise_compiler_error(
            "schema prefix '" ~ prefix ~ "' (var schema_prefix or VIGIL_DBT_SCHEMA_PREFIX): "
            ~ "use lower-case letters, digits and _ only") }}
    {%- endif -%}
    {{ prefix }}
{%- endmacro %}
