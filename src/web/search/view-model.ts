import type { QueryService } from '../../query/index.js';
import { hueStyle } from '../format.js';
import { RANGES, readForm, searchHref, type SearchForm } from './form.js';

interface Option {
  value: string;
  label: string;
  selected: boolean;
}

/** The search form ready to print: every select's options with the current one marked. */
export interface FormModel {
  values: SearchForm;
  services: Option[];
  operations: Option[];
  ranges: Option[];
  limits: Option[];
  /** The filters typed so far, then one empty input: adding a filter works without JavaScript. */
  attrInputs: string[];
  /** "with service X ×" chips; the × link is the same search without that service. */
  alsoServices: Array<{ name: string; style: string; removeHref: string }>;
  showCustomRange: boolean;
  /** The sort is kept across form submissions; the page cursor is not (a new search starts at the newest). */
  sort: string;
}

const LIMITS = ['20', '50', '100', '200', '500'];

export function formModel(query: Pick<QueryService, 'services' | 'operations'>, partial: Partial<SearchForm>): FormModel {
  const values: SearchForm = { ...readForm({}), ...partial };
  const serviceNames = query.services().map((s) => s.name);
  const operationNames = values.service ? [...new Set(query.operations(values.service).map((o) => o.name))] : [];
  return {
    values,
    services: options(serviceNames, values.service, 'All services'),
    operations: options(operationNames.sort(), values.operation, 'All operations'),
    ranges: RANGES.map((r) => ({ value: r.value, label: r.label, selected: r.value === values.range })),
    limits: withCurrent(LIMITS, values.limit || '20').map((l) => ({
      value: l,
      label: `${l} results`,
      selected: l === (values.limit || '20'),
    })),
    attrInputs: [...values.attrs, ''],
    alsoServices: values.alsoServices.map((name) => ({
      name,
      style: hueStyle(name),
      removeHref: searchHref(values, { alsoServices: values.alsoServices.filter((s) => s !== name), cursor: '' }),
    })),
    showCustomRange: values.range === 'custom',
    sort: values.sort === 'newest' ? '' : values.sort,
  };
}

/** A leading "any" option, and the current value kept even when the store no longer knows it. */
function options(names: string[], current: string, anyLabel: string): Option[] {
  return [
    { value: '', label: anyLabel, selected: current === '' },
    ...withCurrent(names, current).map((n) => ({ value: n, label: n, selected: n === current })),
  ];
}

function withCurrent(list: string[], current: string): string[] {
  return current === '' || list.includes(current) ? list : [...list, current];
}
