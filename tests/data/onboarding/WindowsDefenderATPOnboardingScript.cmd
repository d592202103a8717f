@echo off
echo This script is for onboarding machines to the Microsoft Defender for Endpoint services, including security and compliance products.
REM SYNTHETIC TEST FIXTURE built to the format of WindowsDefenderATPOnboardingScript.cmd; no real organisation.
reg add "HKLM\SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection" /v OnboardingInfo /t REG_SZ /f /d "{\"body\":\"{\\\"previousOrgIds\\\":[],\\\"orgId\\\":\\\"00000000-0000-4000-8000-00000000feed\\\",\\\"geoLocationUrl\\\":\\\"https://winatp-gw-cus3.microsoft.com/\\\",\\\"datacenter\\\":\\\"CentralUs3\\\",\\\"vortexGeoLocation\\\":\\\"US\\\",\\\"version\\\":\\\"1.35\\\",\\\"deviceType\\\":\\\"Server\\\",\\\"packageGuid\\\":\\\"00000000-0000-4000-8000-0000000000aa\\\"}\",\"sig\":\"U1lOVEhFVElDLVNJR05BVFVSRS1OT1QtUkVBTA==\",\"sha256sig\":\"U1lOVEhFVElDLVNJR05BVFVSRS1OT1QtUkVBTA==\",\"cert\":\"U1lOVEhFVElDLUNFUlRJRklDQVRFLU5PVC1SRUFM\",\"chain\":[\"U1lOVEhFVElDLUNFUlRJRklDQVRFLU5PVC1SRUFM\",\"U1lOVEhFVElDLUNFUlRJRklDQVRFLU5PVC1SRUFM\"]}" >NUL 2>&1
if %errorlevel% NEQ 0 (
  set "errorDescription=Unable to write onboarding information to registry."
  GOTO ERROR
)
:ERROR
exit /b 1
