// Package sdktest runs Dwolla's official Node SDKs (dwolla-v2 and the TypeScript SDK dwolla,
// pinned in package-lock.json and installed with npm ci), unchanged, against a real
// `masspay serve`. The test is skipped unless MASSPAY_SDK_TEST=1; .ci/run sets it.
package sdktest
