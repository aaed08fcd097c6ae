// Discovery documents. Legacy ones are plain JSON; aggregated ones need their own Content-Type (aggregated.ts).
export { coreApiVersions, apiGroupList, apiGroup, apiResourceList, apiResourceEntries } from './legacy.js';
export { aggregatedDiscovery, aggregatedContentType, negotiateAggregated, type DiscoveryVersion } from './aggregated.js';
export { apiGroups, compareVersions, storageVersionHash } from './groups.js';
