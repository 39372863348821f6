import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

const Quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$/, "a Kubernetes quantity such as 250m or 1Gi");
const Resources = z.strictObject({
  requests: z.strictObject({ cpu: Quantity, memory: Quantity }),
  limits: z.strictObject({ cpu: Quantity, memory: Quantity }),
});
export type Resources = z.infer<typeof Resources>;

const Profile = z
  .strictObject({
    reader: z.strictObject({ minReplicas: z.int().min(1), maxReplicas: z.int().min(1), targetCpuPercent: z.int().min(10).max(100), resources: Resources }),
    writer: z.strictObject({ resources: Resources }),
    worker: z.strictObject({ replicas: z.int().min(1), resources: Resources }),
    controlPlane: z.strictObject({ replicas: z.int().min(1), resources: Resources }),
    issuer: z.strictObject({ replicas: z.int().min(1), resources: Resources }),
    minio: z.strictObject({ resources: Resources }),
    scratchSizeLimit: Quantity,
    shutdownGraceSeconds: z.int().min(1),
    terminationGracePeriodSeconds: z.int().min(2),
  })
  // The server must finish draining before the kubelet's SIGKILL.
  .refine((p) => p.shutdownGraceSeconds < p.terminationGracePeriodSeconds, "shutdownGraceSeconds must be shorter than terminationGracePeriodSeconds")
  .refine((p) => p.reader.minReplicas <= p.reader.maxReplicas, "reader.minReplicas must not exceed reader.maxReplicas");
export type Profile = z.infer<typeof Profile>;

export const PROFILE_NAMES = ["small", "large"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The sizing profiles, read once from `profiles.yaml` beside this file and validated. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = z
  .strictObject({ small: Profile, large: Profile })
  .parse(parse(readFileSync(new URL("./profiles.yaml", import.meta.url), "utf8")));
