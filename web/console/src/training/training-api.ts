// The training endpoints the screen reads, over the console's one API client.
import type { Schemas } from "../../../shared/schema";

export type CohortPage = Schemas["CohortPage"];
export type Cohort = Schemas["CohortView"];
export type CohortReport = Schemas["CohortReport"];
export type RosterPage = Schemas["RosterPage"];
export type Roster = Schemas["RosterView"];
export type ShiftPage = Schemas["ShiftPage"];
export type OutcomeStats = Schemas["OutcomeStats"];
export type RosterHours = Schemas["RosterHours"];
export type Hotspots = Schemas["Hotspots"];
export type Org = Schemas["OrgView"];

type Query = Record<string, string | number | undefined | null>;
export type Call = <T>(
  method: string,
  path: string,
  options?: { body?: unknown; query?: Query; idempotencyKey?: string },
) => Promise<T>;

export class TrainingApi {
  constructor(private readonly call: Call) {}

  cohorts(): Promise<CohortPage> {
    return this.call("GET", "/cohorts", { query: { limit: 50 } });
  }

  report(cohortId: string): Promise<CohortReport> {
    return this.call("GET", `/cohorts/${encodeURIComponent(cohortId)}/report`);
  }

  rosters(): Promise<RosterPage> {
    return this.call("GET", "/rosters", { query: { limit: 50 } });
  }

  shifts(): Promise<ShiftPage> {
    return this.call("GET", "/shifts", { query: { limit: 200 } });
  }

  /** This month's duty hours per unit and member (the server's default range). */
  hours(): Promise<RosterHours> {
    return this.call("GET", "/stats/roster-hours");
  }

  outcomes(period: string): Promise<OutcomeStats> {
    return this.call("GET", "/stats/outcomes", { query: { period } });
  }

  hotspots(): Promise<Hotspots> {
    return this.call("GET", "/stats/hotspots");
  }

  teams(): Promise<Schemas["OrgPage"]> {
    return this.call("GET", "/orgs", { query: { limit: 200 } });
  }

  members(): Promise<Schemas["MemberPage"]> {
    return this.call("GET", "/members", { query: { limit: 200 } });
  }

  rosterFromHotspot(name: string, orgIds: string[], recommendationId: string): Promise<Roster> {
    return this.call("POST", "/rosters", {
      body: {
        name,
        org_ids: orgIds,
        shifts: { from_hotspots: { recommendation_id: recommendationId } },
      },
      idempotencyKey: crypto.randomUUID(),
    });
  }
}
