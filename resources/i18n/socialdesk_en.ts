<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>SocialDesk</name>
    <message numerus="yes">
        <source>{done} of %Ln due connection(s) checked</source>
        <translation>
            <numerusform>{done} of %Ln due connection checked</numerusform>
            <numerusform>{done} of %Ln due connections checked</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln connection(s) checked</source>
        <translation>
            <numerusform>%Ln connection checked</numerusform>
            <numerusform>%Ln connections checked</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln could not be checked (will retry)</source>
        <translation>
            <numerusform>%Ln could not be checked (will retry)</numerusform>
            <numerusform>%Ln could not be checked (will retry)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln expire within {days} days</source>
        <translation>
            <numerusform>%Ln expires within {days} days</numerusform>
            <numerusform>%Ln expire within {days} days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln expired</source>
        <translation>
            <numerusform>%Ln expired</numerusform>
            <numerusform>%Ln expired</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln failed</source>
        <translation>
            <numerusform>%Ln failed</numerusform>
            <numerusform>%Ln failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln group(s)</source>
        <translation>
            <numerusform>%Ln group</numerusform>
            <numerusform>%Ln groups</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln item(s)</source>
        <translation>
            <numerusform>%Ln item</numerusform>
            <numerusform>%Ln items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln match(es)</source>
        <translation>
            <numerusform>%Ln match</numerusform>
            <numerusform>%Ln matches</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln new group(s)</source>
        <translation>
            <numerusform>%Ln new group</numerusform>
            <numerusform>%Ln new groups</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln not checkable here</source>
        <translation>
            <numerusform>%Ln not checkable here</numerusform>
            <numerusform>%Ln not checkable here</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln platform(s) left.</source>
        <translation>
            <numerusform>%Ln platform left.</numerusform>
            <numerusform>%Ln platforms left.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln problem(s)</source>
        <translation>
            <numerusform>%Ln problem</numerusform>
            <numerusform>%Ln problems</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln problem(s) to fix before saving</source>
        <translation>
            <numerusform>%Ln problem to fix before saving</numerusform>
            <numerusform>%Ln problems to fix before saving</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln profile(s)</source>
        <translation>
            <numerusform>%Ln profile</numerusform>
            <numerusform>%Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln profile(s) selected</source>
        <translation>
            <numerusform>%Ln profile selected</numerusform>
            <numerusform>%Ln profiles selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln profile(s) to re-connect</source>
        <translation>
            <numerusform>%Ln profile to re-connect</numerusform>
            <numerusform>%Ln profiles to re-connect</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln profiles were skipped: they changed meanwhile.</source>
        <translation>
            <numerusform>%Ln profile was skipped: it changed meanwhile.</numerusform>
            <numerusform>%Ln profiles were skipped: they changed meanwhile.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln re-connected</source>
        <translation>
            <numerusform>%Ln re-connected</numerusform>
            <numerusform>%Ln re-connected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln refreshed</source>
        <translation>
            <numerusform>%Ln refreshed</numerusform>
            <numerusform>%Ln refreshed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln row(s) skipped</source>
        <translation>
            <numerusform>%Ln row skipped</numerusform>
            <numerusform>%Ln rows skipped</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln selected</source>
        <translation>
            <numerusform>%Ln selected</numerusform>
            <numerusform>%Ln selected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln unread notification(s)</source>
        <translation>
            <numerusform>%Ln unread notification</numerusform>
            <numerusform>%Ln unread notifications</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln were in the group already.</source>
        <translation>
            <numerusform>%Ln was in the group already.</numerusform>
            <numerusform>%Ln were in the group already.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln were there already.</source>
        <translation>
            <numerusform>%Ln was there already.</numerusform>
            <numerusform>%Ln were there already.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>+ %Ln deleted profile(s) kept</source>
        <translation>
            <numerusform>+ %Ln deleted profile kept</numerusform>
            <numerusform>+ %Ln deleted profiles kept</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>1 profile is shared with %Ln member(s): they lose access.</source>
        <translation>
            <numerusform>1 profile is shared with %Ln member: they lose access.</numerusform>
            <numerusform>1 profile is shared with %Ln members: they lose access.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>; %Ln failed</source>
        <translation>
            <numerusform>; %Ln failed</numerusform>
            <numerusform>; %Ln failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Add %Ln profile(s)</source>
        <translation>
            <numerusform>Add %Ln profile</numerusform>
            <numerusform>Add %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Add %Ln selected profile(s)</source>
        <translation>
            <numerusform>Add %Ln selected profile</numerusform>
            <numerusform>Add %Ln selected profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Added %Ln item(s) to {group}.</source>
        <translation>
            <numerusform>Added %Ln item to {group}.</numerusform>
            <numerusform>Added %Ln items to {group}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Added %Ln profile(s)</source>
        <translation>
            <numerusform>Added %Ln profile</numerusform>
            <numerusform>Added %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Added %Ln profile(s) to {group}.</source>
        <translation>
            <numerusform>Added %Ln profile to {group}.</numerusform>
            <numerusform>Added %Ln profiles to {group}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>All profile groups (%Ln group(s))</source>
        <translation>
            <numerusform>All profile groups (%Ln group)</numerusform>
            <numerusform>All profile groups (%Ln groups)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>At most %Ln {items} (the platform's limit); remove one to add another</source>
        <translation>
            <numerusform>At most %Ln {item} (the platform's limit); remove one to add another</numerusform>
            <numerusform>At most %Ln {items} (the platform's limit); remove one to add another</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Changing %Ln profile(s)…</source>
        <translation>
            <numerusform>Changing %Ln profile…</numerusform>
            <numerusform>Changing %Ln profiles…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Checking %Ln profile(s)…</source>
        <translation>
            <numerusform>Checking %Ln profile…</numerusform>
            <numerusform>Checking %Ln profiles…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Connected %Ln phone number(s) with this token.</source>
        <translation>
            <numerusform>Connected %Ln phone number with this token.</numerusform>
            <numerusform>Connected %Ln phone numbers with this token.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete these %Ln profiles? They disappear from the list; their acquired data and private messages stay stored, hidden, and a deleted profile can be restored from the deleted profiles view.</source>
        <translation>
            <numerusform>Delete this profile? It disappears from the list; its acquired data and private messages stay stored, hidden, and it can be restored from the deleted profiles view.</numerusform>
            <numerusform>Delete these %Ln profiles? They disappear from the list; their acquired data and private messages stay stored, hidden, and a deleted profile can be restored from the deleted profiles view.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Deleted %Ln profile(s)</source>
        <translation>
            <numerusform>Deleted %Ln profile</numerusform>
            <numerusform>Deleted %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %Ln row(s) to {path}</source>
        <translation>
            <numerusform>Exported %Ln row to {path}</numerusform>
            <numerusform>Exported %Ln rows to {path}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Import %Ln profile(s)</source>
        <translation>
            <numerusform>Import %Ln profile</numerusform>
            <numerusform>Import %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>It is inside %Ln other groups: {groups}. Deleting it also takes it out of them.</source>
        <translation>
            <numerusform>It is inside another group: {groups}. Deleting it also takes it out of that group.</numerusform>
            <numerusform>It is inside %Ln other groups: {groups}. Deleting it also takes it out of them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Not saved: %Ln problem(s) must be fixed first</source>
        <translation>
            <numerusform>Not saved: %Ln problem must be fixed first</numerusform>
            <numerusform>Not saved: %Ln problems must be fixed first</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-connect %Ln selected profile(s). Choose one connection type, then press Connect for each platform: one sign-in serves all of that platform's profiles.</source>
        <translation>
            <numerusform>Re-connect %Ln selected profile. Choose one connection type, then press Connect for each platform: one sign-in serves all of that platform's profiles.</numerusform>
            <numerusform>Re-connect %Ln selected profiles. Choose one connection type, then press Connect for each platform: one sign-in serves all of that platform's profiles.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Re-connect {type} of %Ln {platform} profile(s). Sign in with the account that manages it/them.</source>
        <translation>
            <numerusform>Re-connect {type} of %Ln {platform} profile. Sign in with the account that manages it.</numerusform>
            <numerusform>Re-connect {type} of %Ln {platform} profiles. Sign in with the account that manages them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %Ln item(s).</source>
        <translation>
            <numerusform>Removed %Ln item.</numerusform>
            <numerusform>Removed %Ln items.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Renamed; %Ln profiles' settings now use the new name.</source>
        <translation>
            <numerusform>Renamed; %Ln profile's settings now use the new name.</numerusform>
            <numerusform>Renamed; %Ln profiles' settings now use the new name.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Restored %Ln profile(s)</source>
        <translation>
            <numerusform>Restored %Ln profile</numerusform>
            <numerusform>Restored %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Shared %Ln profile(s)</source>
        <translation>
            <numerusform>Shared %Ln profile</numerusform>
            <numerusform>Shared %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stop sharing these profiles? The people below lose access to them.</source>
        <translation>
            <numerusform>Stop sharing this profile? The people below lose access to it.</numerusform>
            <numerusform>Stop sharing these profiles? The people below lose access to them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stopped sharing %Ln profile(s)</source>
        <translation>
            <numerusform>Stopped sharing %Ln profile</numerusform>
            <numerusform>Stopped sharing %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The profile list as shown (%Ln profile(s), filtered and sorted as in the table)</source>
        <translation>
            <numerusform>The profile list as shown (%Ln profile, filtered and sorted as in the table)</numerusform>
            <numerusform>The profile list as shown (%Ln profiles, filtered and sorted as in the table)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>expires in %Ln day(s)</source>
        <translation>
            <numerusform>expires in %Ln day</numerusform>
            <numerusform>expires in %Ln days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>re-connected %Ln</source>
        <translation>
            <numerusform>re-connected %Ln</numerusform>
            <numerusform>re-connected %Ln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>used in %Ln place(s)</source>
        <translation>
            <numerusform>used in %Ln place</numerusform>
            <numerusform>used in %Ln places</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{grouped} profiles are in %Ln groups: they leave them.</source>
        <translation>
            <numerusform>{grouped} profiles are in %Ln group: they leave it.</numerusform>
            <numerusform>{grouped} profiles are in %Ln groups: they leave them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name} owns %Ln profile(s). Their shares end and the connections they made are revoked.</source>
        <translation>
            <numerusform>{name} owns %Ln profile. Their shares end and the connections they made are revoked.</numerusform>
            <numerusform>{name} owns %Ln profiles. Their shares end and the connections they made are revoked.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name} — %Ln profile(s)</source>
        <translation>
            <numerusform>{name} — %Ln profile</numerusform>
            <numerusform>{name} — %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name} — loses %Ln profile(s)</source>
        <translation>
            <numerusform>{name} — loses %Ln profile</numerusform>
            <numerusform>{name} — loses %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{shared} profiles are shared with %Ln member(s): they lose access.</source>
        <translation>
            <numerusform>{shared} profiles are shared with %Ln member: they lose access.</numerusform>
            <numerusform>{shared} profiles are shared with %Ln members: they lose access.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{verb} %Ln profile(s)</source>
        <translation>
            <numerusform>{verb} %Ln profile</numerusform>
            <numerusform>{verb} %Ln profiles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>“{name}” is used in %Ln places, so it cannot be deleted. Point those settings at another flow first:</source>
        <translation>
            <numerusform>“{name}” is used in %Ln place, so it cannot be deleted. Point that setting at another flow first:</numerusform>
            <numerusform>“{name}” is used in %Ln places, so it cannot be deleted. Point those settings at another flow first:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Only the selected profiles (%Ln profile(s), in the table's order)</source>
        <translation>
            <numerusform>Only the selected profiles (%Ln profile, in the table's order)</numerusform>
            <numerusform>Only the selected profiles (%Ln profiles, in the table's order)</numerusform>
        </translation>
    </message>
</context>
</TS>
