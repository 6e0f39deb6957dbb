/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * es_ofd_render_bench(): pages rendered per second at 150 DPI, PNG and
 * PDF, of a one-page licence (text lines and a photo, made by es_ofd_make)
 * and a one-page tax-invoice-like page (a template holding a ruled table
 * and its labels in 楷体/宋体, the page holding the values with DeltaX
 * "g" runs), each sealed when a seal is given.
 */
#include "es_int.h"
#include "ofd_int.h"
#include "eseal/es_ofd_render.h"
#include "eseal/es_render.h"
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define NSA "xmlns:ofd=\"http://www.ofdspec.org/2016\""

static int invoice(es_buf *out)
{
	es_ofd_pkg *p = NULL;
	es_buf t = ES_BUF_INIT, c = ES_BUF_INIT;
	int err, id = 100;
	static const char ofd[] = HEAD "<ofd:OFD " NSA " Version=\"1.0\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>bench"
				  "</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>";
	static const char doc[] = HEAD "<ofd:Document " NSA "><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>"
				  "<ofd:PageArea><ofd:PhysicalBox>0 0 210 140</ofd:PhysicalBox></ofd:PageArea>"
				  "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:TemplatePage ID=\"2\" "
				  "BaseLoc=\"Tpls/Tpl_0/Content.xml\"/></ofd:CommonData><ofd:Pages><ofd:Page ID=\"1\" "
				  "BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>";
	static const char res[] = HEAD "<ofd:Res " NSA " BaseLoc=\"Res\"><ofd:ColorSpaces><ofd:ColorSpace ID=\"5\" "
				  "Type=\"RGB\"/></ofd:ColorSpaces><ofd:DrawParams><ofd:DrawParam ID=\"4\" LineWidth=\"0.25\">"
				  "<ofd:FillColor Value=\"156 82 35\"/><ofd:StrokeColor Value=\"156 82 35\"/></ofd:DrawParam>"
				  "</ofd:DrawParams><ofd:Fonts><ofd:Font ID=\"6\" FontName=\"楷体\"/><ofd:Font ID=\"7\" "
				  "FontName=\"宋体\"/><ofd:Font ID=\"8\" FontName=\"Courier New\"/></ofd:Fonts></ofd:Res>";
	static const char *const labels[] = { "名称", "纳税人识别号", "地址、电话", "开户行及账号", "项目名称",
					      "规格型号", "单位", "数量", "单价", "金额", "税率", "税额", "合计",
					      "价税合计（大写）", "销售方", "购买方", "备注", "收款人", "复核", "开票人" };
	static const char *const values[] = { "示例科技有限公司", "91110105061311021A", "北京市海淀区中关村大街1号 010-12345678",
					      "中国工商银行北京分行 0200001234567890123", "*信息技术服务*技术服务费", "1",
					      "9433.96", "9433.96", "6%", "566.04", "¥9433.96", "¥566.04", "壹万圆整", "¥10000.00",
					      "江苏京利华新材料有限公司", "92330781MA2EDMFU50", "兰溪市丹溪大道1055号057988222001",
					      "管理员", "张一诺", "任盈盈" };

	if ((err = es_buf_printf(&t, HEAD "<ofd:Page " NSA "><ofd:Content><ofd:Layer DrawParam=\"4\" ID=\"3\">")) < 0)
		goto done;
	for (int i = 0; i < 24 && err == 0; i++) /* the ruled table */
		err = es_buf_printf(&t,
				    "<ofd:PathObject ID=\"%d\" Boundary=\"4.5 %.1f 201 0.4\" LineWidth=\"0.25\"><ofd:AbbreviatedData>"
				    "M 0 0.2 L 201 0.2</ofd:AbbreviatedData></ofd:PathObject><ofd:PathObject ID=\"%d\" "
				    "Boundary=\"%.1f 30 0.4 90\"><ofd:AbbreviatedData>M 0.2 0 L 0.2 90</ofd:AbbreviatedData>"
				    "</ofd:PathObject>",
				    id, 30 + i * 3.75, id + 1, 4.5 + i * 8.4), id += 2;
	for (size_t i = 0; i < ES_ARRAY_LEN(labels) && err == 0; i++)
		err = es_buf_printf(&t,
				    "<ofd:TextObject ID=\"%d\" Boundary=\"%.1f %.1f 40 5\" Font=\"6\" Size=\"3.175\"><ofd:FillColor "
				    "Value=\"156 82 35\"/><ofd:TextCode X=\"0\" Y=\"3.5\" DeltaX=\"g 12 3.175\">%s</ofd:TextCode>"
				    "</ofd:TextObject>",
				    id++, 6 + (double)(i % 4) * 50, 31 + (double)(i / 4) * 18, labels[i]);
	if (err == 0)
		err = es_buf_printf(&t, "<ofd:TextObject ID=\"%d\" Boundary=\"69 7 72 8\" Font=\"6\" Size=\"6.7\"><ofd:FillColor "
					"Value=\"156 82 35\"/><ofd:TextCode X=\"0\" Y=\"5.8\" DeltaX=\"g 10 6.53\">"
					"浙江增值税电子普通发票</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>",
				    id++);
	if (err == 0)
		err = es_buf_printf(&c, HEAD "<ofd:Page " NSA "><ofd:Template TemplateID=\"2\" ZOrder=\"Background\"/>"
					"<ofd:Content><ofd:Layer ID=\"60\">");
	for (int k = 0; k < 3 && err == 0; k++)
		for (size_t i = 0; i < ES_ARRAY_LEN(values) && err == 0; i++)
			err = es_buf_printf(&c,
					    "<ofd:TextObject ID=\"%d\" Boundary=\"%.1f %.1f 80 5\" Font=\"%d\" Size=\"3.175\">"
					    "<ofd:TextCode X=\"0\" Y=\"3.5\" DeltaX=\"g 40 1.5875\">%s</ofd:TextCode></ofd:TextObject>",
					    id++, 30 + (double)(i % 2) * 90, 34 + (double)(i / 2) * 4 + k * 1.2, i % 3 ? 7 : 8,
					    values[i]);
	if (err == 0)
		err = es_buf_puts(&c, "</ofd:Layer></ofd:Content></ofd:Page>");
	if (err < 0 || (err = es_ofd_pkg_new(&p)) < 0 || (err = es_ofd_pkg_put(p, "OFD.xml", ofd, strlen(ofd))) < 0 ||
	    (err = es_ofd_pkg_put(p, "Doc_0/Document.xml", doc, strlen(doc))) < 0 ||
	    (err = es_ofd_pkg_put(p, "Doc_0/PublicRes.xml", res, strlen(res))) < 0 ||
	    (err = es_ofd_pkg_put(p, "Doc_0/Tpls/Tpl_0/Content.xml", t.ptr, t.len)) < 0 ||
	    (err = es_ofd_pkg_put(p, "Doc_0/Pages/Page_0/Content.xml", c.ptr, c.len)) < 0)
		goto done;
	err = es_ofd_pkg_write(out, p);
done:
	es_ofd_pkg_free(p);
	es_buf_release(&t);
	es_buf_release(&c);
	return err;
}

static int licence(es_buf *out)
{
	static const char *const lines[] = { "营业执照（电子副本）", "统一社会信用代码 91110105061311021A", "名称：示例科技有限公司",
					     "类型：有限责任公司（自然人投资或控股）", "法定代表人：张三",
					     "经营范围：技术开发、技术咨询、技术服务；软件开发；计算机系统服务。",
					     "注册资本：人民币1000万元", "成立日期：2015年03月18日",
					     "营业期限：2015年03月18日至长期", "住所：北京市海淀区中关村大街1号",
					     "登记机关：北京市海淀区市场监督管理局", "2026年12月02日" };
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	es_buf photo = ES_BUF_INIT;
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_ofd_image im = { 1, "PNG", NULL, 0, 150, 30, 35, 35 };
	int err;
	ro.name = "示例科技有限公司";
	ro.dpi = 300;
	if ((err = es_render_png(&photo, &ro)) < 0)
		goto done;
	im.data = photo.ptr;
	im.len = photo.len;
	mo.lines = lines;
	mo.nlines = ES_ARRAY_LEN(lines);
	mo.images = &im;
	mo.nimages = 1;
	mo.title = "营业执照";
	err = es_ofd_make(out, &mo);
done:
	es_buf_release(&photo);
	return err;
}

static int rate(double *per_s, es_ofd_view *v, es_ofd_render_format f, double seconds)
{
	es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
	es_buf out = ES_BUF_INIT;
	double t0 = now_s(), el;
	unsigned long n = 0;
	int err = 0;
	ro.format = f;
	ro.dpi = 150;
	do {
		out.len = 0;
		if ((err = es_ofd_render_page(&out, v, 1, &ro, NULL)) < 0)
			break;
		n++;
		el = now_s() - t0;
	} while (el < seconds);
	*per_s = err < 0 ? 0 : (double)n / el;
	es_buf_release(&out);
	return err;
}

int es_ofd_render_bench(es_ofd_render_bench_result *out, double seconds, const es_seal *seal, const es_cert *cert,
			const es_sm2_key *key)
{
	es_buf docs[2] = { ES_BUF_INIT, ES_BUF_INIT }, sealed = ES_BUF_INIT;
	int err = 0;

	ES_ASSERT_ARG(out && seconds > 0 && seconds < 3600 && (!seal) == (!cert) && (!seal) == (!key));
	memset(out, 0, sizeof(*out));
	if ((err = licence(&docs[0])) < 0 || (err = invoice(&docs[1])) < 0)
		goto done;
	for (int d = 0; d < 2; d++) {
		es_ofd_view *v = NULL;
		double png = 0, pdf = 0;
		if (seal) {
			es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
			so.x = d ? 90 : 130;
			so.y = d ? 8 : 200;
			sealed.len = 0;
			if ((err = es_ofd_sign(&sealed, docs[d].ptr, docs[d].len, &so, seal, cert, key)) < 0)
				goto done;
			docs[d].len = 0;
			if ((err = es_buf_put(&docs[d], sealed.ptr, sealed.len)) < 0)
				goto done;
		}
		if ((err = es_ofd_view_open(&v, docs[d].ptr, docs[d].len)) < 0)
			goto done;
		err = rate(&png, v, ES_OFD_RENDER_PNG, seconds);
		if (err == 0)
			err = rate(&pdf, v, ES_OFD_RENDER_PDF, seconds);
		es_ofd_view_free(v);
		if (err < 0)
			goto done;
		if (d == 0) {
			out->licence_png_per_s = png;
			out->licence_pdf_per_s = pdf;
			out->licence_bytes = docs[d].len;
		} else {
			out->invoice_png_per_s = png;
			out->invoice_pdf_per_s = pdf;
			out->invoice_bytes = docs[d].len;
		}
	}
done:
	es_buf_release(&docs[0]);
	es_buf_release(&docs[1]);
	es_buf_release(&sealed);
	return err;
}
