"""What the fixture runners of this folder share: the PUSH socket to LOADS_ZMQ_RECEIVER and the
envelope of the external runner protocol (samples/external/README.md). Deliberately independent of
samples/external/loads_external.py, so that these fixtures test loads-runner, not the sample."""
import json
import os
import sys

import zmq


class Push:
    def __init__(self):
        endpoint = os.environ.get("LOADS_ZMQ_RECEIVER")
        if not endpoint:
            sys.exit(f"{sys.argv[0]}: LOADS_ZMQ_RECEIVER is not set")
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.PUSH)
        self.socket.connect(endpoint)
        self.run_id = os.environ.get("LOADS_RUN_ID")
        self.agent_id = os.environ.get("LOADS_AGENT_ID")
        self.hits = int(os.environ.get("LOADS_TOTAL_HITS", "0"))
        self.duration = float(os.environ["LOADS_DURATION"]) if "LOADS_DURATION" in os.environ else None
        self.users = int(os.environ["LOADS_TOTAL_USERS"])
        self.user = int(os.environ["LOADS_CURRENT_USER"])
        self.hit = 0

    def message(self, data_type, **fields):
        """A message with the full envelope."""
        return {"data_type": data_type, "agent_id": self.agent_id, "run_id": self.run_id,
                "loads_status": [self.hits, self.users, self.hit, self.user], **fields}

    def send(self, data_type, **fields):
        self.send_raw(json.dumps(self.message(data_type, **fields)).encode())

    def send_raw(self, frame):
        self.socket.send(frame)

    def success(self, test="fixture"):
        """One test that succeeded: startTest, addSuccess, stopTest."""
        for data_type in ("startTest", "addSuccess", "stopTest"):
            self.send(data_type, test=test)

    def close(self):
        """Delivers everything sent (or gives up after 10 s)."""
        self.socket.close(linger=10000)
        self.context.term()
