#!/usr/bin/python
# SYNTHETIC TEST FIXTURE built to the format of MicrosoftDefenderATPOnboardingLinuxServer.py; no real organisation.
import os
import subprocess
import sys

destfile = '/etc/opt/microsoft/mdatp/mdatp_onboard.json'

if os.geteuid() != 0:
    print('Re-running as sudo (you may be required to enter sudo''s password)')
    os.execvp('sudo', ['sudo', 'python'] + sys.argv)  # final version of exec

print('Generating %s ...' % destfile)

with open(destfile, "w") as json:
    json.write('''{
  \"onboardingInfo\": \"{\\\"body\\\":\\\"{\\\\\\\"previousOrgIds\\\\\\\":[],\\\\\\\"orgId\\\\\\\":\\\\\\\"00000000-0000-4000-8000-00000000feed\\\\\\\",\\\\\\\"geoLocationUrl\\\\\\\":\\\\\\\"https://edr-eus3.us.endpoint.security.microsoft.com/edr/\\\\\\\",\\\\\\\"datacenter\\\\\\\":\\\\\\\"EastUs3\\\\\\\",\\\\\\\"vortexGeoLocation\\\\\\\":\\\\\\\"US\\\\\\\",\\\\\\\"vortexServerUrl\\\\\\\":\\\\\\\"https://us-v20.events.endpoint.security.microsoft.com/OneCollector/1.0\\\\\\\",\\\\\\\"vortexTicketUrl\\\\\\\":\\\\\\\"https://events.data.microsoft.com\\\\\\\",\\\\\\\"partnerGeoLocation\\\\\\\":\\\\\\\"GW_US\\\\\\\",\\\\\\\"version\\\\\\\":\\\\\\\"2.06\\\\\\\",\\\\\\\"deviceType\\\\\\\":\\\\\\\"Server\\\\\\\",\\\\\\\"packageGuid\\\\\\\":\\\\\\\"00000000-0000-4000-8000-0000000000aa\\\\\\\"}\\\",\\\"sig\\\":\\\"U1lOVEhFVElDLVNJR05BVFVSRS1OT1QtUkVBTA==\\\",\\\"sha256sig\\\":\\\"U1lOVEhFVElDLVNJR05BVFVSRS1OT1QtUkVBTA==\\\",\\\"cert\\\":\\\"U1lOVEhFVElDLUNFUlRJRklDQVRFLU5PVC1SRUFM\\\",\\\"chain\\\":[\\\"U1lOVEhFVElDLUNFUlRJRklDQVRFLU5PVC1SRUFM\\\",\\\"U1lOVEhFVElDLUNFUlRJRklDQVRFLU5PVC1SRUFM\\\"]}\"
}''')
