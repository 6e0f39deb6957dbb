/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* OpenAPI component schemas of the upload, operations and custody routes
 * (handlers_ops.c); the multipart ones come from the upload specs (upload.c). */
#include "server.h"

#define T(type) json_pack("{s:s}", "type", type)
#define PIN json_pack("{s:s, s:i, s:i}", "type", "string", "minLength", 6, "maxLength", 64)

void es_schemas_ops(json_t *s)
{
	json_object_set_new(s, "RegistryResult",
			    es_schema_object("entities,seals_made,skipped", json_pack("{s:o, s:o, s:o}", "entities", T("integer"),
									 "seals_made", T("integer"), "skipped", T("integer"))));
	json_object_set_new(s, "PsbResult", es_schema_object("imported", json_pack("{s:o}", "imported", T("integer"))));
	json_object_set_new(s, "JobsResult",
			    es_schema_object("suspended,expired,delivered,failed,jobs_purged",
				json_pack("{s:o, s:o, s:o, s:o, s:o}", "suspended", T("integer"), "expired", T("integer"),
					  "delivered", T("integer"), "failed", T("integer"), "jobs_purged", T("integer"))));
	json_object_set_new(s, "Backup",
			    es_schema_object("folder,file,bytes", json_pack("{s:o, s:o, s:o}", "folder", T("string"), "file",
							       T("string"), "bytes", T("integer"))));
	json_object_set_new(
		s, "AuditAnchor",
		es_schema_object("format,seq,hash,at,prev_seq,prev_hash,every,signature,time_stamp",
		    json_pack("{s:o, s:o, s:{s:s, s:s}, s:o, s:o, s:{s:s, s:s}, s:o, s:{s:s, s:s}, s:{s:s, s:s}}", "format",
			      T("string"), "seq", T("integer"), "hash", "type", "string", "pattern", "^[0-9a-f]{64}$", "at",
			      T("string"), "prev_seq", T("integer"), "prev_hash", "type", "string", "pattern",
			      "^[0-9a-f]{64}$", "every", T("integer"), "signature", "type", "string", "pattern",
			      "^[0-9a-f]*$", "time_stamp", "type", "string", "pattern", "^[0-9a-f]*$")));
	json_object_set_new(s, "AuditReport",
			    es_schema_object("intact,entries,checkpoints,first_bad,problem,head",
				json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "intact", T("boolean"), "entries", T("integer"),
					  "checkpoints", T("integer"), "first_bad", T("integer"), "problem", T("string"),
					  "head", T("string"))));
	json_object_set_new(s, "TokenInit",
			    es_schema_object("user_pin,admin_pin", json_pack("{s:o, s:o}", "user_pin", PIN, "admin_pin", PIN)));
	json_object_set_new(s, "PinChange",
			    es_schema_object("old_pin,new_pin", json_pack("{s:o, s:o}", "old_pin", PIN, "new_pin", PIN)));
	json_object_set_new(s, "PinReset",
			    es_schema_object("admin_pin,new_pin", json_pack("{s:o, s:o}", "admin_pin", PIN, "new_pin", PIN)));
	json_object_set_new(s, "SealAuthorisation",
			    es_schema_object("unit_id,from,to", json_pack("{s:o, s:o, s:o, s:o}", "unit_id", T("integer"), "from",
									  T("string"), "to", T("string"), "letter", T("string"))));
	json_object_set_new(s, "CertificateMap",
			    es_schema_object("certificate", json_pack("{s:{s:s, s:s}}", "certificate", "type", "string",
								      "pattern", "-----BEGIN CERTIFICATE-----")));
	json_object_set_new(s, "DeviceRequest",
			    es_schema_object("csr", json_pack("{s:{s:s, s:s}}", "csr", "type", "string", "pattern",
							      "-----BEGIN (NEW )?CERTIFICATE REQUEST-----")));
	json_object_set_new(s, "DeviceCertificate",
			    es_schema_object("esid,certificate", json_pack("{s:o, s:{s:s, s:s}}", "esid", T("string"),
									   "certificate", "type", "string", "pattern",
									   "-----BEGIN CERTIFICATE-----")));
	json_object_set_new(s, "DeviceUse",
			    es_schema_object("doc_sm3", json_pack("{s:{s:s, s:s}}", "doc_sm3", "type", "string", "pattern",
								  "^[0-9a-f]{64}$")));
	json_object_set_new(s, "AccountEdit",
			    es_schema_object("", json_pack("{s:{s:s, s:{s:s}}, s:o}", "roles", "type", "array", "items", "type", "string",
					      "disabled", T("boolean"))));
	json_object_set_new(s, "BatchAuthorisation",
			    es_schema_object("purpose,from,to", json_pack("{s:o, s:o, s:o}", "purpose", T("string"), "from", T("string"),
							     "to", T("string"))));
}
