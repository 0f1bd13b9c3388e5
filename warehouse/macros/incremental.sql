{#
  The rows an incremental run merges: those ingested at most `lookback_hours` before the newest ingestion
  time already in the target, less the ones the target already holds at that very version.

  The watermark is ingestion time, not event time, so an event that arrives days after it happened is
  still taken (the raw upsert also stamps ingested_at when a newer version of a row lands). The lookback
  covers rows committed out of order: ingested_at is now() at the start of the writing transaction, so a
  batch that commits after a build can carry an older time than rows that build already took. Rows of the
  window that are already merged at the same ingested_at are skipped, so the window costs an index read,
  not a rewrite of every recent row; what is merged is matched on the unique key, never duplicated.
#}
{% macro incremental_window(alias, unique_key='event_id', watermark='ingested_at') -%}
    {%- set hours = var('lookback_hours') | string | trim -%}
    {%- if not modules.re.match('^[0-9]+$', hours) -%}
        {{ exceptions.raise_compiler_error("var lookback_hours must be a whole number of hours, got '" ~ hours ~ "'") }}
    {%- endif -%}
    {{ alias }}.{{ watermark }} > (
        select coalesce(max({{ watermark }}), '-infinity'::timestamptz) - interval '1 hour' * {{ hours }}
        from {{ this }}
    )
    and not exists (
        select 1
        from {{ this }} as merged
        where merged.{{ unique_key }} = {{ alias }}.{{ unique_key }}
            and merged.{{ watermark }} = {{ alias }}.{{ watermark }}
    )
{%- endmacro %}
