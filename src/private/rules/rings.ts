import { RuleId } from './catalog';
import { inPython, spell } from './messages';
import { show } from './shape';

/*
 * The rules of release rings (ReleaseRings): the rings' definition (thrown at construction) and how they split
 * the distribution (at synth, once every addRegion() call is made). A copy is the AMI of one Region in one
 * account: the distribution's own account (the owner) in every Region, and each target account of the Region.
 * Launch permissions, launch templates, licenses and fast launch are the owner's AMI's: they go with the ring of
 * the Region's owner copy; SSM parameters with the ring of the copy of their account.
 */

/** A ring as the user wrote it (the public `ReleaseRing`, its values not yet trusted). */
export interface RingSpec {
  readonly name: string;
  readonly regions?: string[];
  readonly accounts?: string[];
  readonly rest?: boolean;
}

/** A finding of the ring rules. */
export interface RingFinding {
  readonly rule: RuleId;
  readonly text: string;
}

/**
 * A ring name becomes part of step names (`Distribute_<name>`, `Share_<name>`, `Configure_<name>`), which the API
 * model's `WorkflowStepName` limits to `^[A-Za-z][A-Za-z0-9-_]{1,99}$`. Hyphens are left out: later steps read a
 * step's outputs through the JSONPath `$.stepOutputs.<step>.distributedImages`, where a hyphen is not a plain name
 * character.
 */
export const RING_NAME = /^[A-Za-z0-9_]{1,64}$/;

/** The rest ring as the caller writes it: `{ name: 'rest', rest: true }`, or `ReleaseRing(name="rest", rest=True)` in Python. */
export function restRingText(): string {
  return inPython() ? 'ReleaseRing(name="rest", rest=True)' : "{ name: 'rest', rest: true }";
}

/** Lists shown in messages: the first few, then how many more. */
export function listText(values: string[], max = 10): string {
  return values.length <= max ? values.join(', ') : `${values.slice(0, max).join(', ')} and ${values.length - max} more`;
}

/**
 * What is wrong with the rings as given (types, names, `rest`), before any distribution is looked at; texts
 * without the rule prefix. `isToken` tells values known only at deploy time, which are checked at synth.
 */
export function ringDefinitionProblems(rings: unknown, isToken: (v: unknown) => boolean): string[] {
  if (!Array.isArray(rings)) {
    return [`rings is ${show(rings)}, not a list of rings. Fix: pass a list of at least two rings, e.g. [{ name: 'canary', regions: ['us-east-1'] }, { name: 'rest', rest: true }]`];
  }
  const problems: string[] = [];
  if (rings.length < 2) {
    problems.push(`rings has ${rings.length} ring${rings.length === 1 ? '' : 's'}; a release in rings needs at least two (a first ring that is verified before the others get the image). Fix: add a last ring ${restRingText()}, or distribute without ReleaseRings`);
  }
  const seen = new Map<string, number>();
  rings.forEach((ring: unknown, i: number) => {
    const where = `rings[${i}]`;
    if (typeof ring !== 'object' || ring === null || Array.isArray(ring)) {
      problems.push(`${where} is ${show(ring)}, not a ring. Fix: pass { name, regions?, accounts?, rest? }`);
      return;
    }
    const r = ring as Record<string, unknown>;
    if (typeof r.name !== 'string' || isToken(r.name) || !RING_NAME.test(r.name)) {
      problems.push(`${where}.name is ${show(r.name)}; a ring name is part of the workflow's step names and must be 1 to 64 letters, digits or underscores, written literally. Fix: name it like 'canary' or 'wave_2'`);
    } else if (seen.has(r.name)) {
      problems.push(`${where}.name is "${r.name}", the name of rings[${seen.get(r.name)}] too; step names must be unique in a workflow. Fix: give each ring its own name`);
    } else {
      seen.set(r.name, i);
    }
    for (const field of ['regions', 'accounts'] as const) {
      const list = r[field];
      if (list === undefined || isToken(list)) {
        continue;
      }
      if (!Array.isArray(list) || list.some(v => typeof v !== 'string')) {
        problems.push(`${where}.${field} is ${show(list)}, not a list of strings. Fix: pass ${field === 'regions' ? "Region names such as ['us-east-1']" : "12-digit account IDs such as ['222222222222']"}`);
      } else if (list.length === 0) {
        problems.push(`${where}.${field} is an empty list: the ring would hold no copy. Fix: leave ${field} out to mean every ${field === 'regions' ? 'Region' : 'account'}, or name some`);
      } else {
        const twice = list.filter((v, j) => !isToken(v) && list.indexOf(v) !== j);
        if (twice.length > 0) {
          problems.push(`${where}.${field} names ${listText([...new Set(twice as string[])])} more than once. Fix: name each once`);
        }
      }
    }
    if (r.rest !== undefined && typeof r.rest !== 'boolean') {
      problems.push(`${where}.rest is ${show(r.rest)}, not a boolean. Fix: pass rest: true on the last ring, or leave it out`);
    } else if (r.rest === true) {
      if (i !== rings.length - 1) {
        problems.push(`${where} (${show(r.name)}) has rest: true, but is not the last ring; "the rest" is what no earlier ring holds. Fix: move it to the end of rings`);
      }
      if (r.regions !== undefined || r.accounts !== undefined) {
        problems.push(`${where} (${show(r.name)}) has rest: true and ${r.regions !== undefined ? 'regions' : 'accounts'}; the rest is every copy no earlier ring holds. Fix: leave regions and accounts out of the rest ring, or drop rest`);
      }
    }
  });
  return problems;
}

/** The copies of one Region of the distribution: its owner's and its target accounts' (concrete values). */
export interface RegionCopies {
  readonly region: string;
  readonly targets: string[];
}

/** Which rings hold a copy: the rings that name it, and the rest ring when no earlier ring does. */
export function ringsOfCopy(rings: RingSpec[], region: string, account: string): number[] {
  const held = rings.flatMap((r, i) => (!r.rest && (r.regions === undefined || r.regions.includes(region))
    && (r.accounts === undefined || r.accounts.includes(account)) ? [i] : []));
  const last = rings.length - 1;
  return held.length === 0 && rings[last]?.rest ? [last] : held;
}

/**
 * The partition rules over concrete copies: every copy in exactly one ring, every ring holding a copy, and the
 * Regions and accounts a ring names being the distribution's. Findings are grouped by Region and rings, so that
 * a thousand accounts left out make one error per Region.
 */
export function partitionFindings(rings: RingSpec[], owner: string, regions: RegionCopies[]): RingFinding[] {
  const findings: RingFinding[] = [];
  const names = rings.map(r => r.name);
  const held = rings.map(() => 0);
  for (const { region, targets } of regions) {
    const groups = new Map<string, string[]>();
    for (const account of [owner, ...targets.filter(t => t !== owner)]) {
      const inRings = ringsOfCopy(rings, region, account);
      inRings.forEach(i => held[i]++);
      if (inRings.length !== 1) {
        const key = inRings.join(',');
        groups.set(key, [...groups.get(key) ?? [], account]);
      }
    }
    for (const [key, accounts] of groups) {
      const who = accounts.map(a => (a === owner ? `${a} (the distribution's own account)` : a));
      if (key === '') {
        findings.push({
          rule: 'ReleaseRingPartition',
          text: `Region ${region}: the copies of account${accounts.length > 1 ? 's' : ''} ${listText(who)} are in no ring (rings: ${names.join(', ')}), so the release would never distribute them. Fix: add ${accounts.length > 1 ? 'these accounts' : accounts[0]} (or ${region}) to a ring, or end the rings with ${restRingText()}`,
        });
      } else {
        const ringNames = key.split(',').map(i => names[Number(i)]);
        findings.push({
          rule: 'ReleaseRingPartition',
          text: `Region ${region}: the copies of account${accounts.length > 1 ? 's' : ''} ${listText(who)} are in ${ringNames.length} rings (${ringNames.join(', ')}); each copy is distributed and verified in one ring. Fix: remove ${accounts.length > 1 ? 'them' : accounts[0]} (or ${region}) from all rings but one, e.g. name accounts or regions on the later ring, or make it the rest ring`,
        });
      }
    }
  }
  held.forEach((count, i) => {
    if (count === 0) {
      findings.push({
        rule: 'ReleaseRingPartition',
        text: `ring ${names[i]} (rings[${i}]) holds no copy of the distribution${rings[i].rest ? ': the earlier rings hold every copy' : ''}, so its steps would distribute nothing. Fix: remove the ring, or give it Regions and accounts of the distribution`,
      });
    }
  });
  const regionNames = regions.map(r => r.region);
  const accounts = new Set([owner, ...regions.flatMap(r => r.targets)]);
  rings.forEach((r, i) => {
    const unknownRegions = (r.regions ?? []).filter(x => !regionNames.includes(x));
    if (unknownRegions.length > 0) {
      findings.push({
        rule: 'ReleaseRingUnknownTarget',
        text: `ring ${r.name} (rings[${i}].regions) names ${listText(unknownRegions)}, which the distribution does not distribute AMIs to (its Regions: ${listText(regionNames)}). Fix: add the Region to the distribution (addRegion) or remove it from the ring`,
      });
    }
    const unknownAccounts = (r.accounts ?? []).filter(x => !accounts.has(x));
    if (unknownAccounts.length > 0) {
      findings.push({
        rule: 'ReleaseRingUnknownTarget',
        text: `ring ${r.name} (rings[${i}].accounts) names ${listText(unknownAccounts)}, neither the distribution's own account (${owner}) nor a target account of any of its Regions. Fix: add the account to the distribution's ${spell('targetAccounts')}, or remove it from the ring`,
      });
    }
  });
  return findings;
}
