"""Okta background: staff signing in (with MFA push, except the one account never enrolled) and opening apps."""

from __future__ import annotations

import random
from typing import Any

from socpilot.demo.background.common import Hour, cumulative, one_of, pick
from socpilot.demo.data import load
from socpilot.demo.formats import okta
from socpilot.demo.org import Org, User
from socpilot.demo.rng import hex_id, stream, uuid
from socpilot.demo.template import fill

# Okta's behaviour detection on a sign-in from a known place and device.
USUAL_BEHAVIOURS = ("{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE, New State=NEGATIVE, "
                    "New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}")


def okta_user_id(seed: int, sam: str) -> str:
    rng = stream(seed, "okta-user", sam)
    return "00u" + "".join(one_of(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(17))


def app_target(app: dict[str, Any], seed: int) -> dict[str, Any]:
    rng = stream(seed, "okta-app", app["name"])
    return {"id": "0oa" + hex_id(rng, 17), "type": "AppInstance", "alternateId": app["name"],
            "displayName": app["name"], "detailEntry": {"signOnModeType": "SAML_2_0"}}


class IdentityBackground:
    def __init__(self, org: Org, seed: int) -> None:
        spec = load("background")
        self.org, self.seed = org, seed
        self.agents = spec["okta_user_agents"]
        self.locations = spec["okta_locations"]
        self.loc_cum = cumulative([loc["weight"] for loc in self.locations])
        self.apps = list(org.okta_apps)
        self.app_cum = cumulative([a["weight"] for a in self.apps])
        self.hours = spec["hours"]["workstation"]

    def sign_in(self, ts: float, user: User, rng: random.Random, n: int) -> list[tuple[float, str]]:
        """Up to ``n`` events of one sign-in: session start, MFA (when enrolled), then app SSO."""
        org = self.org
        loc = pick(rng, self.locations, self.loc_cum)
        ip = org.egress_ip if loc["ip"] == "office" else fill(loc["ip"], rng, {}, {})
        agent = one_of(rng, self.agents)
        geo = okta.geo(loc["city"], loc["state"], loc["country"], loc["postal"], loc["lat"], loc["lon"])
        client = okta.client(ip, agent["ua"], agent["os"], agent["browser"], geo)
        actor = okta.actor(okta_user_id(self.seed, user.sam), user.email, user.display)
        session = "102" + hex_id(rng, 22)
        tx = hex_id(rng, 27)
        out = [(ts, okta.event(ts, uuid(rng), "user.session.start", "core.user_auth.login_success",
                               "User login to Okta", actor, client, "SUCCESS", session, tx, "PASSWORD",
                               debug={"requestUri": "/idp/idx/identify", "url": "/idp/idx/identify?",
                                      "behaviors": USUAL_BEHAVIOURS, "risk": "{level=LOW}",
                                      "threatSuspected": "false"}))]
        t = ts
        if user.mfa_enrolled and len(out) < n:
            t += rng.uniform(4, 25)
            out.append((t, okta.event(t, uuid(rng), "user.authentication.auth_via_mfa", "core.user.factor.attempt_success",
                                      "Authentication of user via MFA", actor, client, "SUCCESS", session, tx,
                                      "OKTA_VERIFY_PUSH",
                                      targets=[{"id": "opf" + hex_id(rng, 17), "type": "AuthenticatorEnrollment",
                                                "alternateId": "unknown", "displayName": "Okta Verify",
                                                "detailEntry": None}])))
        while len(out) < n and rng.random() < 0.7:
            t += rng.uniform(2, 300)
            app = pick(rng, self.apps, self.app_cum)
            out.append((t, okta.event(t, uuid(rng), "user.authentication.sso", "app.auth.sso",
                                      "User single sign on to app", actor, client, "SUCCESS", session, tx,
                                      targets=[app_target(app, self.seed)])))
        return out

    def generate(self, hour: Hour, rng: random.Random, n: int) -> list[tuple[float, str]]:
        out: list[tuple[float, str]] = []
        users = list(self.org.users)
        while len(out) < n:
            ts = hour.start + rng.random() * 3000
            out.extend(self.sign_in(round(ts, 3), one_of(rng, users), rng, n - len(out)))
        out.sort(key=lambda e: e[0])
        return out
